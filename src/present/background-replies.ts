import type { LaneWait } from "../lanes/lane-types.js";
import type { TaskInputError } from "../lanes/task-input.js";
import { remoteLabel } from "../lanes/remote-label.js";
import type { TaskRecord } from "../lanes/task-record.js";
import { displayCommand, namedTask, queuedLine } from "./task-text.js";

// What the model reads back from background_run, wait_background, kill_background and send_background_input.

/** background_run: the id, the description and command in short (not a 100 KB heredoc echoed back), where its output goes. */
export function startedReply(
  record: TaskRecord,
  file: string,
  wait: LaneWait | undefined,
  told: string,
): string {
  const queued = wait ? ` ${queuedLine(wait)}` : "";
  const described = record.description?.trim() ? `${displayCommand(record.description, 200)}: ` : "";
  const command = described + displayCommand(record.command, 200);
  const remote = record.remote ? ` [${remoteLabel(record)}]` : "";
  return `Background task ${record.id} ${wait ? "queued" : "started"}${remote}: ${command} (output_file=${file}).${queued} ${told}`;
}

/** wait_background's last line: the tasks still running, each named, why the wait ended, and what comes next. */
export function stillRunningLine(records: readonly TaskRecord[], why: string, told: string): string {
  return `Still running${why ? ` (${why})` : ""}: ${records.map(namedTask).join(", ")}. ${told}`;
}

/** wait_background with no ids: the servers it did not wait for, and how to wait for one anyway. */
export function serversNotWaitedLine(servers: readonly TaskRecord[], nothingElse: boolean): string {
  const named = servers.map(namedTask).join(", ");
  const lead = nothingElse ? "Nothing to wait for: only servers run" : "Not waited for, servers";
  return `${lead} (persisted, or listening on a port: they end when killed): ${named}. Name one in task_ids to wait for it anyway.`;
}

/** kill_background: `result` is the task's result line. */
export function killedReply(id: string, wasRunning: boolean, result: string): string {
  return wasRunning ? `Killed. ${result}` : `Task ${id} had already ended; nothing changed. ${result}`;
}

/** send_background_input: taken by the task, or queued because it has not read yet. */
export function inputReply(id: string, bytes: number, closed: boolean, pending: boolean): string {
  const closedText = closed ? " and closed stdin" : "";
  if (pending)
    return `Queued ${bytes} bytes for task ${id}${closedText}; it has not read them yet (is it reading its input?). They stay queued while it runs.`;
  return `Sent ${bytes} bytes to task ${id}${closedText}. Its output will show in check_background output="new".`;
}

/** Why send_background_input could not write to the task. */
export function inputRefusal(error: TaskInputError): string {
  const id = error.taskId;
  const { problem } = error;
  if (problem.kind === "not-running") return `task ${id} is ${problem.status}, not running`;
  if (problem.kind === "input-closed") return `task ${id} closed its input: ${problem.error}`;
  return `task ${id} has no open stdin (it was closed, the task was moved from a foreground bash, which gets none, or it was adopted after a restart)`;
}
