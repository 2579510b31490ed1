import { relative } from "node:path";
import { inertLine, inertText } from "../text/inert.js";
import { formatBytes, formatDuration, oneLinePreview } from "../text/preview.js";
import { readTail } from "../text/utf8-window.js";
import { agentResultText, taskLabel } from "./agent-format.js";
import type { LaneWait } from "./lane-types.js";
import type { Notification } from "./notification-queue.js";
import type { OtherTask } from "./other-tasks.js";
import { listeningText, publishedPorts } from "./published-ports.js";
import { isTerminal, type TaskRecord } from "./task-record.js";

/*
 * The one formatter: the runtime produces records and notices as data, and every line the model or the user
 * reads about a task (notices, wait and kill results, listings) is written here.
 */

/** Characters of output a notification carries, taken from the end. */
export const PREVIEW_CHARS = 500;
/** A notice names its command, but a 40 KB heredoc must not turn one line into a page. */
const NOTICE_COMMAND_CHARS = 200;

/** A command on one line and at most `maxChars` long, saying how long it really is when cut. */
export function displayCommand(command: string, maxChars: number): string {
  const folded = command
    .split(/\r\n?|[\n\v\f\u0085\u2028\u2029]/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
    .join(" ⏎ ");
  return folded.length <= maxChars ? folded : `${folded.slice(0, maxChars)}… (${command.length} chars)`;
}

/** A task's command inside a notice: on one line and inert, so it cannot end the block it stands in. */
function noticeCommand(record: TaskRecord): string {
  return inertText(displayCommand(record.command, NOTICE_COMMAND_CHARS));
}

export function durationOf(record: TaskRecord, now = Date.now()): number | null {
  if (!record.started_at) return null;
  const end = record.ended_at ? Date.parse(record.ended_at) : now;
  return end - Date.parse(record.started_at);
}

export function statusPhrase(record: TaskRecord): string {
  const parts: string[] = [record.status];
  if (record.exit_code !== null) parts.push(`exit ${record.exit_code}`);
  if (record.signal) parts.push(record.signal);
  if (record.end_reason && record.end_reason !== record.status) parts.push(record.end_reason);
  return parts.join(", ");
}

/** `file` relative to the workspace when inside it; `workspace` null: always absolute (MCP replies). */
export function displayPath(workspace: string | null, file: string): string {
  if (workspace === null) return file;
  const rel = relative(workspace, file);
  return rel.startsWith("..") ? file : rel;
}

/** `[bg:ID] completed, exit 0 in 2.0s: CMD | output: ... (output_file=..., N bytes)` */
export function notificationLine(workspace: string | null, record: TaskRecord, tail: string): string {
  const duration = durationOf(record);
  const took = duration === null ? "" : ` in ${formatDuration(duration)}`;
  const preview = oneLinePreview(tail, PREVIEW_CHARS);
  const output = preview ? ` | output: ${preview}` : " | no output";
  return `[bg:${record.id}] ${statusPhrase(record)}${took}: ${noticeCommand(record)}${output} (output_file=${displayPath(workspace, record.output_file)}, ${formatBytes(record.output_bytes)})`;
}

/**
 * One line per task for listings; `ownerGone`: still running, but the lanes that started it is gone;
 * `owner`: whose task it is, when not this session's; `started`: when it started (`lanes tasks`).
 */
export function summaryLine(
  record: TaskRecord,
  now = Date.now(),
  ownerGone = false,
  owner?: string,
  started?: string,
): string {
  const duration = durationOf(record, now);
  const took = duration === null ? "" : ` ${formatDuration(duration)}`;
  const orphan = ownerGone && !isTerminal(record.status) ? " (owner gone)" : "";
  const lane = record.lane === "default" ? "" : ` [${record.lane}]`;
  const persist = record.persist ? " [persist]" : "";
  const whose = owner === undefined ? "" : `  (${owner})`;
  const when = started === undefined ? "" : `, ${started}`;
  const listening = listeningText(publishedPorts(record));
  const published = listening === undefined ? "" : `  ${listening}`;
  return `${record.id}  ${statusPhrase(record)}${orphan}${took}${when}${lane}${persist}${whose}${published}  ${taskLabel(record)}`;
}

/** Whose a task of another lanes is: every line that shows one says so. */
export function otherOwner(task: OtherTask): string {
  const pid = task.record.owner_pid;
  return task.ownerGone
    ? `started by another lanes, pid ${pid}, which has exited; no session watches it`
    : `owned by another lanes session, pid ${pid}`;
}

/** A listing line for a task of another lanes. */
export function otherSummaryLine(task: OtherTask, commandChars: number, now = Date.now()): string {
  const record = { ...task.record, command: displayCommand(task.record.command, commandChars) };
  return summaryLine(record, now, false, otherOwner(task));
}

/** Above the other lanes' tasks in a listing: what the model can and cannot do with them. */
export const OTHER_TASKS_HEADING =
  "Tasks of another lanes in this workspace (not this session's: no notification reaches you when they end; check_background or wait_background with the id reads one; only the user ends one, with `lanes tasks kill ID`):";

/** check_background of one such task: the record's owner row. */
export function otherOwnerRow(task: OtherTask): string {
  return `${otherOwner(task)}; no notification reaches you when it ends`;
}

/** A task of another lanes that ended, as wait_background returns it. */
export function otherResultText(workspace: string | null, task: OtherTask): string {
  return `${resultText(workspace, task.record)} [not this session's task: ${otherOwner(task)}]`;
}

/** Ends a wait reply that leaves tasks of another lanes running. */
export function otherStillRunning(ids: readonly string[]): string {
  const several = ids.length > 1;
  return `${ids.join(", ")} ${several ? "are tasks" : "is a task"} of another lanes: no notification comes here when ${several ? "they end" : "it ends"}; wait_background again or check_background to see.`;
}

/** wait_background with nothing of this session running, while another lanes' tasks run. */
export function othersRunningText(lines: readonly string[]): string {
  return `No background tasks of this session are running. Running in another lanes in this workspace (pass their ids as task_ids to wait for them):\n${lines.join("\n")}`;
}

/**
 * kill_background on another lanes' task is refused: it may be the user's dev server or another model's
 * test run, and no approval covers ending it from here; the user has one command for it.
 */
export function otherKillRefusal(task: OtherTask): string {
  const { id } = task.record;
  return `Task ${id} is not this session's (${otherOwner(task)}). kill_background ends only tasks this session started, so another session's work (a dev server, a test run) is never ended from here; if it must stop, ask the user to run \`lanes tasks kill ${id}\`.`;
}

/** send_background_input on another lanes' task: its stdin is held by the lanes that started it. */
export function otherInputRefusal(task: OtherTask): string {
  return `Task ${task.record.id} is not this session's (${otherOwner(task)}); only the lanes that started it holds its stdin.`;
}

/** Why a queued task waits: `lane "tests" is at its limit of 1, held by 3f2a1b0c (...): CMD`. */
export function waitingText(wait: LaneWait): string {
  const holders = wait.holders.map((holder) => {
    const where =
      holder.owner === "self"
        ? ""
        : holder.owner === "alive"
          ? " (started by another lanes in this workspace)"
          : ` (${holder.record?.persist ? "persisted, " : ""}still running after the lanes that started it exited)`;
    const command = holder.record ? `: ${displayCommand(holder.record.command, 100)}` : "";
    return `${holder.taskId}${where}${command}`;
  });
  const held = holders.length > 0 ? `, held by ${holders.join("; ")}` : "";
  return `lane "${wait.lane}" is at its limit of ${wait.limit}${held}`;
}

/** A task that waits for a slot in its lane, and what holds the slots. */
export function queuedLine(wait: LaneWait): string {
  return `Queued: ${waitingText(wait)}; it starts when a slot frees.`;
}

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

/** A finished task's result as one line, its output tail read from the log now. */
export function resultText(workspace: string | null, record: TaskRecord): string {
  if (record.type === "local_agent") return agentResultText(workspace, record);
  return notificationLine(workspace, record, readTail(record.output_file, 4096).text);
}

/** A task an earlier lanes left running, now watched by this one. */
export function carriedLine(record: TaskRecord, now = Date.now()): string {
  const duration = durationOf(record, now);
  const age = duration === null ? "" : ` ${formatDuration(duration)} ago`;
  return `[bg:${record.id}] still running, started by an earlier lanes${age} and now watched by this one (its result is reported like any task's when it ends; do not start it again): ${noticeCommand(record)}`;
}

/** The text of a notice about a task still running (matched, stalled, notify_on given up, carried over). */
export function progressText(notice: Notification): string {
  const { record } = notice;
  if (notice.kind === "matched") return matchedLine(record, notice.line ?? "");
  if (notice.kind === "stalled") return stalledLine(record, notice.silentMs ?? 0, notice.line ?? "");
  if (notice.kind === "pattern_failed") return patternFailedLine(record, notice.line ?? "");
  return carriedLine(record);
}

/** The text of one notice, for the `<background-results>` block or an MCP message. */
export function noticeText(workspace: string | null, notice: Notification): string {
  if (notice.kind !== "ended") return progressText(notice);
  const folded =
    notice.matched === undefined ? "" : ` [earlier, output matched notify_on: ${quoted(notice.matched)}]`;
  return `${resultText(workspace, notice.record)}${folded}`;
}
