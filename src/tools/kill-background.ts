import { z } from "zod";
import { resultText } from "../lanes/format.js";
import type { LaneManager } from "../lanes/lane-manager.js";
import { defineTool, ToolError } from "./define-tool.js";

const schema = z.object({ task_id: z.string().describe("Task to end, with every process it started") });

export function createKillBackgroundTool(lanes: LaneManager) {
  return defineTool({
    name: "kill_background",
    description: "End a background task and its whole process group (TERM, then KILL after 2 s).",
    schema,
    async run(input) {
      if (!lanes.get(input.task_id)) throw new ToolError(`No background task with id ${input.task_id}.`);
      const { record, wasRunning } = await lanes.kill(input.task_id);
      lanes.markDelivered([record.id]);
      const line = resultText(lanes.workspace, record);
      return wasRunning ? `Killed. ${line}` : `Task ${record.id} had already ended; nothing changed. ${line}`;
    },
  });
}
