import { z } from "zod";
import type { LaneManager } from "../lanes/lane-manager.js";
import { describeRecord } from "./describe-record.js";
import { MODEL_OUTPUT_CHARS } from "./command-output.js";
import { readTaskOutput } from "./background-output.js";
import { displayCommand, summaryLine } from "../lanes/format.js";
import { isTerminal } from "../lanes/task-record.js";
import { defineTool, ToolError } from "./define-tool.js";
import { deliveryText, type ResultDelivery } from "./result-delivery.js";

const LISTED_COMMAND_CHARS = 200;
/** Room for the listing, less a line saying how many older tasks were left out. */
const LIST_CHARS = MODEL_OUTPUT_CHARS - 100;

const schema = z.object({
  task_id: z.string().optional().describe("Task id; omit to list every task"),
  output: z
    .enum(["tail", "new", "none"])
    .optional()
    .describe('"tail" (default): last lines; "new": only output since you last read this task; "none"'),
  lines: z.number().int().min(1).max(5000).optional().describe("How many lines (default 20)"),
  grep: z
    .string()
    .max(500)
    .optional()
    .describe("Regex (RE2 syntax: no lookaround or backreferences): only output lines that match"),
});

export function createCheckBackgroundTool(lanes: LaneManager, delivery: ResultDelivery = "before-next-turn") {
  return defineTool({
    name: "check_background",
    description: `Show one background task (status, exit code, duration, output size and file, its output) or list all tasks. ${deliveryText(delivery).check}`,
    schema,
    async run(input) {
      if (input.task_id === undefined) {
        const records = lanes.list();
        if (records.length === 0) return "No background tasks.";
        // A command written over several lines must not read as several tasks.
        const lines = records.map((record) =>
          summaryLine({ ...record, command: displayCommand(record.command, LISTED_COMMAND_CHARS) }),
        );
        // The newest tasks are the ones the model is most likely asking about.
        let shown = 0;
        let chars = 0;
        for (const line of [...lines].reverse()) {
          if (chars + line.length + 1 > LIST_CHARS) break;
          chars += line.length + 1;
          shown++;
        }
        const from = lines.length - shown;
        const hidden = from > 0 ? [`… ${from} earlier task${from === 1 ? "" : "s"} not shown`] : [];
        return [...hidden, ...lines.slice(from)].join("\n");
      }
      const record = lanes.get(input.task_id);
      if (!record)
        throw new ToolError(
          `No background task with id ${input.task_id}. Call check_background without task_id to list them.`,
        );
      const output = await readTaskOutput(
        lanes,
        record,
        input.output ?? "tail",
        input.lines ?? 20,
        input.grep,
      );
      // The model has now seen the final state: a notification about it would only repeat this.
      if (isTerminal(record.status)) lanes.markDelivered([record.id]);
      return [describeRecord(lanes.workspace, record, lanes.waitingFor(record.id)), output]
        .filter(Boolean)
        .join("\n");
    },
  });
}
