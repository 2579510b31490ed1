import { inertLine } from "../text/inert.js";
import { formatDuration } from "../text/preview.js";
import type { Notification } from "../lanes/notification-queue.js";
import type { TaskRecord } from "../lanes/task-record.js";
import { durationOf, noticeCommand, resultText, statusPhrase } from "./task-text.js";

// The notices the model gets about tasks, one line each, and the `<background-results>` block around them.

/** A line of a task's output inside a notice: inert (see text/inert.ts), on one line, at most 300 chars. */
function quoted(line: string): string {
  // Cut before cleaning too: a matched line may be megabytes long.
  return inertLine(line.slice(0, 2_000)).slice(0, 300);
}

/** A running task's output matched its notify_on pattern. */
export function matchedLine(record: TaskRecord, line: string): string {
  return `[bg:${record.id}] still running, output matched notify_on: ${quoted(line)} (${noticeCommand(record)})`;
}

/** A running task printed nothing for `silentMs`. */
export function stalledLine(record: TaskRecord, silentMs: number, lastLine: string): string {
  return `[bg:${record.id}] no output for ${Math.round(silentMs / 1000)}s, may be waiting for input (send_background_input) or stuck; last line: ${quoted(lastLine)} (${noticeCommand(record)})`;
}

/** notify_on was given up on: matching it ran past its deadline. The task itself runs on. */
export function patternFailedLine(record: TaskRecord, why: string): string {
  return `[bg:${record.id}] still running; notify_on is no longer watched: ${why} (${noticeCommand(record)})`;
}

/** Results and notices for the model, one line each, in the block both the agent and MCP replies use. */
export function resultsBlock(lines: readonly string[]): string {
  return `<background-results>\n${lines.join("\n")}\n</background-results>`;
}

/** A task an earlier lanes left running, now watched by this one. */
export function carriedLine(record: TaskRecord, now = Date.now()): string {
  const duration = durationOf(record, now);
  const age = duration === null ? "" : ` ${formatDuration(duration)} ago`;
  return `[bg:${record.id}] still running, started by an earlier lanes${age} and now watched by this one (its result is reported like any task's when it ends; do not start it again): ${noticeCommand(record)}`;
}

/** A task an earlier lanes queued but died before starting, started (or queued) by this one. */
export function restartedLine(record: TaskRecord): string {
  return `[bg:${record.id}] restarted: an earlier lanes queued it and exited before starting it, so this lanes starts it now (or when its lane has room); its result is reported like any task's when it ends, do not start it again: ${noticeCommand(record)}`;
}

/** The text of a notice about a task still running (matched, stalled, notify_on given up, carried over). */
export function progressText(notice: Notification): string {
  const { record } = notice;
  if (notice.kind === "matched") return matchedLine(record, notice.line ?? "");
  if (notice.kind === "stalled") return stalledLine(record, notice.silentMs ?? 0, notice.line ?? "");
  if (notice.kind === "pattern_failed") return patternFailedLine(record, notice.line ?? "");
  if (notice.kind === "restarted") return restartedLine(record);
  return carriedLine(record);
}

/** The text of one notice, for the `<background-results>` block or an MCP message. */
export function noticeText(workspace: string | null, notice: Notification): string {
  if (notice.kind !== "ended") return progressText(notice);
  const folded =
    notice.matched === undefined ? "" : ` [earlier, output matched notify_on: ${quoted(notice.matched)}]`;
  return `${resultText(workspace, notice.record)}${folded}`;
}

/** An MCP progress message for an awaited task that ended: `[bg:ID] completed, exit 0`. */
export function endedProgressText(record: TaskRecord): string {
  return `[bg:${record.id}] ${statusPhrase(record)}`;
}
