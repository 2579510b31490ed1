import { remoteLabel } from "../lanes/remote-label.js";
import { agentResultText, taskLabel } from "./agent-format.js";
import { relative } from "node:path";
import { inertText } from "../text/inert.js";
import { formatBytes, formatDuration, oneLinePreview } from "../text/preview.js";
import { readTail } from "../text/utf8-window.js";
import type { LaneWait } from "../lanes/lane-types.js";
import { listeningText, publishedPorts } from "../lanes/published-ports.js";
import { isTerminal, type TaskRecord } from "../lanes/task-record.js";
import { statusPhrase } from "./end-phrase.js";
import { endedByLanes } from "../lanes/log-death-line.js";
import { withoutDeathLine } from "../text/shell-death-line.js";

export { statusPhrase };

/*
 * The presenter (src/present/): the runtime produces records and notices as data, and every line the model
 * or the user reads about a task is written in this folder. This file: the lines about one task.
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

/** A description leads a notice's command; cut so the command keeps room after it. */
const NOTICE_DESCRIPTION_CHARS = 100;
/** Where a line names several tasks, each gets a short name. */
const TASK_NAME_CHARS = 80;

/** The description the model gave a task, if any: a moved command's lanes-given one says nothing more. */
export function givenDescription(record: TaskRecord): string | undefined {
  const described = record.description?.trim();
  return described && record.origin !== "moved_from_foreground" ? described : undefined;
}

/**
 * A task's description and command inside a notice (`unit tests: npm test`): on one line and inert, so it
 * cannot end the block it stands in.
 */
export function noticeCommand(record: TaskRecord): string {
  const described = givenDescription(record);
  const command = displayCommand(record.command, NOTICE_COMMAND_CHARS);
  return inertText(
    described ? `${displayCommand(described, NOTICE_DESCRIPTION_CHARS)}: ${command}` : command,
  );
}

/** `3f2a1b0c (dev server)`: an id with its description, else its command, short and inert. */
export function namedTask(record: TaskRecord): string {
  return `${record.id} (${inertText(displayCommand(givenDescription(record) ?? record.command, TASK_NAME_CHARS))})`;
}

export function durationOf(record: TaskRecord, now = Date.now()): number | null {
  if (!record.started_at) return null;
  const end = record.ended_at ? Date.parse(record.ended_at) : now;
  return end - Date.parse(record.started_at);
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
  const remote = record.remote === undefined ? "" : ` [${remoteLabel(record)}]`;
  return `[bg:${record.id}] ${statusPhrase(record)}${took}${remote}: ${noticeCommand(record)}${output} (output_file=${displayPath(workspace, record.output_file)}, ${formatBytes(record.output_bytes)})`;
}

/**
 * One line per task for listings; `ownerGone`: still running, but the lanes that started it is gone (a
 * persisted task's: detached);
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
  // A persisted task outlives its lanes by design: detached, not orphaned.
  const gone = record.persist ? " (detached)" : " (owner gone)";
  const orphan = ownerGone && !isTerminal(record.status) ? gone : "";
  const lane = record.remote
    ? ` [${remoteLabel(record)}]`
    : record.lane === "default"
      ? ""
      : ` [${record.lane}]`;
  const persist = record.persist ? " [persist]" : "";
  const whose = owner === undefined ? "" : `  (${owner})`;
  const when = started === undefined ? "" : `, ${started}`;
  const listening = listeningText(publishedPorts(record));
  const published = listening === undefined ? "" : `  ${listening}`;
  return `${record.id}  ${statusPhrase(record)}${orphan}${took}${when}${lane}${persist}${whose}${published}  ${taskLabel(record)}`;
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

/** A finished task's result as one line, its output tail read from the log now. */
export function resultText(workspace: string | null, record: TaskRecord): string {
  if (record.type === "local_agent") return agentResultText(workspace, record);
  const tail = readTail(record.output_file, 4096).text;
  // A death line its shell wrote after lanes recorded the end (a sandbox's teardown under load) is not shown.
  return notificationLine(workspace, record, endedByLanes(record) ? withoutDeathLine(tail) : tail);
}
