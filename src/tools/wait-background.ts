import { z } from "zod";
import { resultText } from "../lanes/format.js";
import type { LaneManager } from "../lanes/lane-manager.js";
import { formatDuration } from "../text/preview.js";
import { defineTool, ToolError } from "./define-tool.js";
import { deliveryText, type ResultDelivery } from "./result-delivery.js";

export const DEFAULT_WAIT_MS = 30_000;
export const MAX_WAIT_MS = 600_000;

const schema = z.object({
  task_ids: z
    .array(z.string())
    .max(500)
    .optional()
    .describe("Tasks to wait for (default: every running task)"),
  mode: z
    .enum(["any", "all"])
    .optional()
    .describe('"all" (default): until every one ended; "any": until the first one ends'),
  timeout_ms: z
    .number()
    .int()
    .positive()
    .max(MAX_WAIT_MS)
    .optional()
    .describe("Give up after this long (default 30000, max 600000)"),
});

export function createWaitBackgroundTool(lanes: LaneManager, delivery: ResultDelivery = "before-next-turn") {
  return defineTool({
    name: "wait_background",
    description:
      "Block until background tasks end (any or all) or the timeout passes; returns the results of those that ended and the ids still running. Use this instead of polling check_background or reading output files in a loop.",
    schema,
    async run(input, { signal }) {
      const ids = input.task_ids ?? lanes.active().map((record) => record.id);
      if (ids.length === 0) return "No background tasks are running.";
      const unknown = ids.filter((id) => !lanes.get(id));
      if (unknown.length > 0)
        throw new ToolError(`\`task_ids\`: no background task with id ${unknown.join(", ")}`);
      const timeoutMs = input.timeout_ms ?? DEFAULT_WAIT_MS;
      const result = await lanes.wait(ids, input.mode ?? "all", timeoutMs, signal);
      const lines = result.ended.map((record) => resultText(lanes.workspace, record));
      if (result.running.length > 0) {
        const why = signal.aborted
          ? "cancelled"
          : result.timedOut
            ? `timed out after ${formatDuration(timeoutMs)}`
            : "";
        lines.push(
          `Still running${why ? ` (${why})` : ""}: ${result.running.map((record) => record.id).join(", ")}. ${deliveryText(delivery).stillRunning(true)}`,
        );
      }
      return lines.join("\n");
    },
  });
}
