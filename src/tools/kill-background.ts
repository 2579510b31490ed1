import * as z from "zod";
import { killedReply } from "../present/background-replies.js";
import { otherKillRefusal, otherResultText } from "../present/other-task-text.js";
import { resultText } from "../present/task-text.js";
import { isTerminal } from "../lanes/task-record.js";
import type { LaneManager } from "../lanes/lane-manager.js";
import { defineTool, ToolError } from "./define-tool.js";
import type { KillBackgroundDetails } from "./tool-details.js";
import { deliveryText, reportResults, type ResultDelivery } from "./result-delivery.js";

const schema = z.object({ task_id: z.string().describe("Task to end, with every process it started") });

export function createKillBackgroundTool(lanes: LaneManager, delivery: ResultDelivery = "before-next-turn") {
  return defineTool({
    name: "kill_background",
    description:
      "End a background task of this session and its whole process group (TERM, then KILL after 2 s). Tasks of another lanes in this workspace are refused: the user ends those.",
    schema,
    async run(input, context) {
      if (!lanes.get(input.task_id)) {
        const other = lanes.otherTask(input.task_id);
        if (!other) throw new ToolError(`No background task with id ${input.task_id}.`);
        if (!isTerminal(other.record.status)) throw new ToolError(otherKillRefusal(other));
        const result = otherResultText(deliveryText(delivery).pathsFrom(lanes.workspace), other);
        const content = killedReply(input.task_id, false, result);
        const details: KillBackgroundDetails = { record: other.record, was_running: false, other: true };
        return { content, details };
      }
      const { record, wasRunning } = await lanes.kill(input.task_id);
      reportResults(lanes, context, [record.id]);
      const line = resultText(deliveryText(delivery).pathsFrom(lanes.workspace), record);
      const content = killedReply(record.id, wasRunning, line);
      const details: KillBackgroundDetails = { record, was_running: wasRunning, other: false };
      return { content, details };
    },
  });
}
