import type { TaskRecord } from "../lanes/task-record.js";
import { readTail } from "../text/utf8-window.js";
import { terminalSafe, truncateToWidth } from "../text/width.js";

/** How often the REPL rebuilds the status line; it is redrawn only when its text changed. */
export const STATUS_INTERVAL_MS = 500;

/** The last non-empty line a task printed (bounded read of its log's end), cleaned for the terminal. */
export function lastOutputLine(record: TaskRecord): string {
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

/**
 * `2 running · a1b2 12s npm test › PASS src/x · c3d4 3s sleep 30`, cut to the terminal width; undefined
 * when nothing runs, so the line disappears. Queued tasks are counted but have no clock yet.
 */
export function statusText(
  active: TaskRecord[],
  width: number,
  now: number,
  lastLine: (record: TaskRecord) => string = lastOutputLine,
): string | undefined {
  if (active.length === 0) return undefined;
  const running = active.filter((record) => record.status === "running");
  const queued = active.length - running.length;
  const head = `${running.length} running${queued > 0 ? `, ${queued} queued` : ""}`;
  const parts = running.map((record) => {
    const command = truncateToWidth(terminalSafe(record.command).replace(/\s+/g, " "), 30);
    const last = truncateToWidth(lastLine(record), 50);
    return `${record.id} ${elapsed(record, now)} ${command}${last ? ` › ${last}` : ""}`;
  });
  return truncateToWidth([head, ...parts].join(" · "), Math.max(10, width));
}
