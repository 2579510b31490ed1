import type { LaneManager } from "../lanes/lane-manager.js";
import { createBackgroundRunTool } from "./background-run.js";
import { createBashTool, type BashToolOptions } from "./bash.js";
import { createCheckBackgroundTool } from "./check-background.js";
import type { Tool } from "./define-tool.js";
import { createEditFileTool } from "./edit-file.js";
import { createKillBackgroundTool } from "./kill-background.js";
import { createReadFileTool } from "./read-file.js";
import { createSendBackgroundInputTool } from "./send-background-input.js";
import { createWaitBackgroundTool } from "./wait-background.js";
import { createWriteFileTool } from "./write-file.js";

/** Every tool the agent offers the model, bound to one workspace and one lane manager. */
export function createToolset(lanes: LaneManager, bash: BashToolOptions = {}): Tool[] {
  const root = lanes.workspace;
  const tools = [
    createBashTool(lanes, bash),
    createReadFileTool(root),
    createWriteFileTool(root),
    createEditFileTool(root),
    createBackgroundRunTool(lanes),
    createCheckBackgroundTool(lanes),
    createWaitBackgroundTool(lanes),
    createKillBackgroundTool(lanes),
    createSendBackgroundInputTool(lanes),
  ];
  return tools as unknown as Tool[];
}
