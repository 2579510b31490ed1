import { noQuestionsGate, type CommandGate } from "../approval/gate.js";
import type { LaneManager } from "../lanes/lane-manager.js";
import { createBackgroundRunTool } from "./background-run.js";
import { createBashTool, type BashToolOptions } from "./bash.js";
import { createCheckBackgroundTool } from "./check-background.js";
import type { Tool } from "./define-tool.js";
import type { ResultDelivery } from "./result-delivery.js";
import { createEditFileTool } from "./edit-file.js";
import type { FileEditHooks } from "./file-edits.js";
import { createKillBackgroundTool } from "./kill-background.js";
import { createReadFileTool } from "./read-file.js";
import { createSendBackgroundInputTool } from "./send-background-input.js";
import { createWaitBackgroundTool } from "./wait-background.js";
import { createWriteFileTool } from "./write-file.js";

/** The five background tools: what the agent's model gets besides bash and the file tools, and all the MCP server serves. */
export function createBackgroundTools(
  lanes: LaneManager,
  delivery: ResultDelivery = "before-next-turn",
  gate: CommandGate = noQuestionsGate(),
): Tool[] {
  const tools = [
    createBackgroundRunTool(lanes, delivery, gate),
    createCheckBackgroundTool(lanes, delivery),
    createWaitBackgroundTool(lanes, delivery),
    createKillBackgroundTool(lanes, delivery),
    createSendBackgroundInputTool(lanes),
  ];
  return tools as unknown as Tool[];
}

/** Every tool the agent offers the model, bound to one workspace and one lane manager. */
export function createToolset(
  lanes: LaneManager,
  bash: BashToolOptions = {},
  gate: CommandGate = noQuestionsGate(),
  fileHooks: FileEditHooks = {},
): Tool[] {
  const root = lanes.workspace;
  const files = [
    createReadFileTool(root),
    createWriteFileTool(root, fileHooks),
    createEditFileTool(root, fileHooks),
  ];
  return [
    createBashTool(lanes, bash, gate) as unknown as Tool,
    ...(files as unknown as Tool[]),
    ...createBackgroundTools(lanes, "before-next-turn", gate),
  ];
}
