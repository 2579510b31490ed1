import type { LaneManager } from "../lanes/lane-manager.js";
import type { Tool } from "../tools/define-tool.js";
import type { LanesConfig } from "../config/config.js";
import { topContext, type AgentContext } from "./agent-context.js";
import { createAgentRunTool } from "./agent-run-tool.js";
import { endSubtreesOfEndedAgents } from "./end-subtree.js";

/** Tools that change files: a read-only agent does not get them (its commands run in a read-only sandbox). */
const WRITING_TOOLS = new Set(["write_file", "edit_file"]);

/** A session's tools as its place in the tree allows: agent_run below the depth limit, read-only trimmed. */
export function withAgentTools(tools: Tool[], lanes: LaneManager, context: AgentContext): Tool[] {
  endSubtreesOfEndedAgents(lanes, context.stateDir);
  const kept = context.readOnly ? tools.filter((tool) => !WRITING_TOOLS.has(tool.name)) : tools;
  if (context.depth >= context.config.agents.max_depth) return kept;
  return [...kept, createAgentRunTool(lanes, context) as unknown as Tool];
}

/** `lanes mcp`: the top of a tree, with the model the environment or the config names. */
export function mcpAgentContext(lanes: LaneManager, config: LanesConfig): AgentContext {
  const model = process.env.MODEL_ID ?? config.model;
  return topContext(lanes.store.lanesDir, config, model, undefined, process.env);
}
