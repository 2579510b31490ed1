import * as z from "zod";
import {
  otherResultText,
  othersRunningText,
  otherStillRunning,
  otherSummaryLine,
} from "../present/other-task-text.js";
import { serversNotWaitedLine, stillRunningLine } from "../present/background-replies.js";
import { runsAsServer } from "../lanes/published-ports.js";
import { resultText } from "../present/task-text.js";
import type { LaneManager } from "../lanes/lane-manager.js";
import { isTerminal } from "../lanes/task-record.js";
import { formatDuration } from "../text/preview.js";
import { defineTool, ToolError } from "./define-tool.js";
import type { WaitBackgroundDetails } from "./tool-details.js";
import { deliveryText, reportResults, type ResultDelivery } from "./result-delivery.js";

export const DEFAULT_WAIT_MS = 30_000;
export const MAX_WAIT_MS = 600_000;

const schema = z.object({
  task_ids: z
    .array(z.string())
    .max(500)
    .optional()
    .describe(
      "Tasks to wait for (default: every running task except servers: persisted ones and those listening on a port)",
    ),
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
      "Block until background tasks end (any or all) or the timeout passes; returns the results of those that ended and names those still running. Also waits for another lanes' task in this workspace given by id (its result stays that session's). Use this instead of polling check_background or reading output files in a loop.",
    schema,
    async run(input, context) {
      const { signal } = context;
      // Named, a server is waited for; by default not: it ends only when killed, and would hold the wait.
      const active = input.task_ids === undefined ? lanes.active() : [];
      const servers = active.filter(runsAsServer);
      const ids = input.task_ids ?? active.filter((record) => !servers.includes(record)).map((r) => r.id);
      if (ids.length === 0) {
        const idle: WaitBackgroundDetails = {
          ended: [],
          running: [],
          timed_out: false,
          cancelled: false,
          others: [],
          servers: servers.map((record) => record.id),
        };
        const content = servers.length > 0 ? serversNotWaitedLine(servers, true) : idleText(lanes);
        return { content, details: idle };
      }
      const unknown = ids.filter((id) => !lanes.get(id) && !lanes.otherTask(id));
      if (unknown.length > 0)
        throw new ToolError(`\`task_ids\`: no background task with id ${unknown.join(", ")}`);
      const timeoutMs = input.timeout_ms ?? DEFAULT_WAIT_MS;
      const result = await lanes.wait(ids, input.mode ?? "all", timeoutMs, signal);
      const others = new Map(result.others.map((task) => [task.record.id, task]));
      // Only this session's results: another lanes' stay its own to tell its model.
      const ownEnded = result.ended.filter((record) => !others.has(record.id)).map((record) => record.id);
      reportResults(lanes, context, ownEnded);
      const lines = result.ended.map((record) => {
        const other = others.get(record.id);
        const base = deliveryText(delivery).pathsFrom(lanes.workspace);
        return other ? otherResultText(base, other) : resultText(base, record);
      });
      if (result.running.length > 0) {
        const why = signal.aborted
          ? "cancelled"
          : result.timedOut
            ? `timed out after ${formatDuration(timeoutMs)}`
            : "";
        const own = result.running.filter((record) => !others.has(record.id));
        const theirs = result.running.filter((record) => others.has(record.id));
        const told = [
          own.length > 0 ? deliveryText(delivery).stillRunning(true) : "",
          theirs.length > 0 ? otherStillRunning(theirs.map((record) => record.id)) : "",
        ];
        lines.push(stillRunningLine([...own, ...theirs], why, told.filter(Boolean).join(" ")));
      }
      if (servers.length > 0) lines.push(serversNotWaitedLine(servers, false));
      const details: WaitBackgroundDetails = {
        ended: result.ended,
        running: result.running,
        timed_out: result.timedOut,
        cancelled: signal.aborted,
        others: [...others.keys()],
        servers: servers.map((record) => record.id),
      };
      return { content: lines.join("\n"), details };
    },
  });
}

/** Nothing of this session runs: say so, naming what another lanes runs here (the model may wait on it). */
function idleText(lanes: LaneManager): string {
  const running = lanes.otherTasks().filter((task) => !isTerminal(task.record.status));
  if (running.length === 0) return "No background tasks are running.";
  return othersRunningText(running.map((task) => otherSummaryLine(task, 200)));
}
