import type { OtherTask } from "../lanes/other-tasks.js";
import { displayCommand, resultText, summaryLine } from "./task-text.js";

// What the model and the user read about a task of another lanes in the same workspace.

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
