import { statSync } from "node:fs";
import type { TaskRecord } from "../../lanes/task-record.js";
import { taskLabel } from "../../present/task-listing.js";
import { agentBrief, agentStateOf } from "../../present/agent-format.js";

export { taskLabel };
import { readTail } from "../../text/utf8-window.js";
import { displayWidth, terminalSafe, truncateToWidth } from "../../text/width.js";

/** How often the REPL rebuilds the status line; it is redrawn only when its text changed. */
export const STATUS_INTERVAL_MS = 500;

/**
 * The last non-empty line a task printed (bounded read of its log's end), cleaned for the terminal; for an
 * agent, whose log stays empty until its report, what it does now and has spent.
 */
export function lastOutputLine(record: TaskRecord): string {
  if (record.type === "local_agent") return terminalSafe(agentBrief(agentStateOf(record)));
  let tail: string;
  try {
    tail = readTail(record.output_file, 2048).text;
  } catch {
    return "";
  }
  // A progress bar redraws with \r: what shows is the text after the last one.
  const lines = tail.split("\n").map((line) => terminalSafe(line.slice(line.lastIndexOf("\r") + 1)).trim());
  return lines.findLast((line) => line !== "") ?? "";
}

/** When a task last wrote to its log (the log's mtime: its creation while it is empty); undefined for an agent. */
export function lastOutputAt(record: TaskRecord): number | undefined {
  if (record.type === "local_agent") return undefined;
  return statSync(record.output_file, { throwIfNoEntry: false })?.mtimeMs;
}

/** Silence worth showing: a prompt waiting for input, or a hang (the model's stall notice comes at 45 s). */
export const QUIET_AFTER_MS = 30_000;

/** `7s`, `3m05s`, `2h04m`: whole units, so the line changes at most once a second. */
export function elapsedText(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  if (total < 60) return `${total}s`;
  const pad = (n: number): string => String(n).padStart(2, "0");
  if (total < 3600) return `${Math.floor(total / 60)}m${pad(total % 60)}s`;
  return `${Math.floor(total / 3600)}h${pad(Math.floor((total % 3600) / 60))}m`;
}

function elapsed(record: TaskRecord, now: number): string {
  return elapsedText(record.started_at ? now - Date.parse(record.started_at) : 0);
}

/** A task's part keeps its id, clock and this many cells of its label, or it is counted in "+N more". */
const MIN_LABEL_CELLS = 12;
const SEPARATOR = " · ";

/**
 * `2 running · a1b2 12s unit tests › PASS src/x · c3d4 2m10s, quiet 1m02s npm init › name:`, fitted to the terminal width: each
 * shown task gets a fair share of the line (a short one leaves its rest to the others), and tasks that
 * cannot keep a readable label are counted as "+N more" instead of being cut to nothing. Undefined when
 * nothing runs, so the line disappears. Queued tasks are counted but have no clock yet.
 */
export function statusText(
  active: TaskRecord[],
  width: number,
  now: number,
  lastLine: (record: TaskRecord) => string = lastOutputLine,
  outputAt: (record: TaskRecord) => number | undefined = lastOutputAt,
): string | undefined {
  if (active.length === 0) return undefined;
  const running = active.filter((record) => record.status === "running");
  const queued = active.length - running.length;
  const head = `${running.length} running${queued > 0 ? `, ${queued} queued` : ""}`;
  const parts = running.map((record) => {
    const since = outputAt(record);
    const quiet =
      since !== undefined && now - since >= QUIET_AFTER_MS ? `, quiet ${elapsedText(now - since)}` : "";
    const fixed = `${record.id} ${elapsed(record, now)}${quiet} `;
    const last = truncateToWidth(lastLine(record), 50);
    const text = `${fixed}${truncateToWidth(taskLabel(record), 30)}${last ? ` › ${last}` : ""}`;
    return { text, min: displayWidth(fixed) + MIN_LABEL_CELLS };
  });
  const cells = Math.max(10, width);
  for (let shown = parts.length; shown > 0; shown--) {
    const more = shown < parts.length ? `${SEPARATOR}+${parts.length - shown} more` : "";
    const room = cells - displayWidth(head) - displayWidth(more) - SEPARATOR.length * shown;
    const fitted = shareRoom(parts.slice(0, shown), room);
    if (fitted) return [head, ...fitted].join(SEPARATOR) + more;
  }
  return truncateToWidth(running.length > 0 ? `${head}${SEPARATOR}+${running.length} more` : head, cells);
}

/**
 * Shares `room` cells among the parts, shortest first, each getting at most an equal share of what is left;
 * undefined when a part would be cut below its minimum.
 */
function shareRoom(parts: { text: string; min: number }[], room: number): string[] | undefined {
  const widths = parts.map((part) => displayWidth(part.text));
  const order = widths.map((_, index) => index).sort((a, b) => (widths[a] ?? 0) - (widths[b] ?? 0));
  const given: number[] = [];
  let left = room;
  order.forEach((index, position) => {
    const share = Math.floor(left / (order.length - position));
    given[index] = Math.min(widths[index] ?? 0, share);
    left -= given[index] ?? 0;
  });
  const tooShort = parts.some((part, index) => (given[index] ?? 0) < Math.min(part.min, widths[index] ?? 0));
  return tooShort ? undefined : parts.map((part, index) => truncateToWidth(part.text, given[index] ?? 0));
}
