import * as z from "zod";
import type { LaneManager } from "../lanes/lane-manager.js";
import { describeRecord } from "../present/describe-record.js";
import { MODEL_OUTPUT_CHARS } from "./command-output.js";
import { compile, readTaskOutput } from "./background-output.js";
import { displayCommand, summaryLine } from "../present/task-text.js";
import { OTHER_TASKS_HEADING, otherOwnerRow, otherSummaryLine } from "../present/other-task-text.js";
import { isTerminal, type TaskRecord } from "../lanes/task-record.js";
import type { OtherTask } from "../lanes/other-tasks.js";
import { defineTool, ToolError, type ToolResult } from "./define-tool.js";
import type { CheckBackgroundDetails } from "./tool-details.js";
import { deliveryText, reportResults, type ResultDelivery } from "./result-delivery.js";

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
    description: `Show one background task (status, exit code, duration, output size and file, its output) or list all tasks (also those another lanes runs in this workspace, marked as not yours). ${deliveryText(delivery).check}`,
    schema,
    async run(input, context) {
      if (input.task_id === undefined) {
        // A filter with nothing to filter is a mistake to name, not to drop: a bad pattern first.
        if (input.grep !== undefined) {
          compile(input.grep);
          throw new ToolError(
            "`grep` filters one task's output: give its task_id too (without task_id, check_background lists the tasks)",
          );
        }
        return listing(lanes);
      }
      const record = lanes.get(input.task_id);
      const other = record ? undefined : lanes.otherTask(input.task_id);
      const shown = record ?? other?.record;
      if (!shown)
        throw new ToolError(
          `No background task with id ${input.task_id}. Call check_background without task_id to list them.`,
        );
      const output = await readTaskOutput(
        lanes,
        shown,
        input.output ?? "tail",
        input.lines ?? 20,
        input.grep,
      );
      // The model has now seen the final state: a notification about it would only repeat this. Another
      // lanes' result is that lanes' to deliver, so nothing is marked for it.
      if (record && isTerminal(record.status)) reportResults(lanes, context, [record.id]);
      const extra = other ? { owner: otherOwnerRow(other) } : { wait: lanes.waitingFor(shown.id) };
      const content = [
        describeRecord(deliveryText(delivery).pathsFrom(lanes.workspace), shown, extra),
        output,
      ]
        .filter(Boolean)
        .join("\n");
      const details: CheckBackgroundDetails = { kind: "task", record: shown, other: other !== undefined };
      return { content, details };
    },
  });
}

/**
 * Every task of this session, then those of another lanes in the workspace (marked, under a heading), under
 * the reply budget: the oldest of each are left out first, the other lanes' getting at most a quarter.
 */
function listing(lanes: LaneManager): ToolResult<CheckBackgroundDetails> {
  const ownRecords = lanes.list();
  const otherTasks = lanes.otherTasks();
  const details: CheckBackgroundDetails = {
    kind: "list",
    own: ownRecords,
    others: otherTasks.map((task) => task.record),
  };
  return { content: listingText(ownRecords, otherTasks), details };
}

function listingText(ownRecords: TaskRecord[], otherTasks: OtherTask[]): string {
  // A command written over several lines must not read as several tasks.
  const own = ownRecords.map((record) =>
    summaryLine({ ...record, command: displayCommand(record.command, LISTED_COMMAND_CHARS) }),
  );
  const others = otherTasks.map((task) => otherSummaryLine(task, LISTED_COMMAND_CHARS));
  if (own.length === 0 && others.length === 0) return "No background tasks.";
  const otherPart =
    others.length === 0 ? [] : [OTHER_TASKS_HEADING, ...newestThatFit(others, LIST_CHARS / 4)];
  const otherChars = otherPart.reduce((sum, line) => sum + line.length + 1, 0);
  const ownPart =
    own.length === 0 ? ["No background tasks of this session."] : newestThatFit(own, LIST_CHARS - otherChars);
  return [...ownPart, ...otherPart].join("\n");
}

/** The newest lines that fit in `budget` chars, after a line saying how many older ones were left out. */
function newestThatFit(lines: string[], budget: number): string[] {
  // The newest tasks are the ones the model is most likely asking about.
  let shown = 0;
  let chars = 0;
  for (const line of [...lines].reverse()) {
    if (chars + line.length + 1 > budget) break;
    chars += line.length + 1;
    shown++;
  }
  const from = lines.length - shown;
  const hidden = from > 0 ? [`… ${from} earlier task${from === 1 ? "" : "s"} not shown`] : [];
  return [...hidden, ...lines.slice(from)];
}
