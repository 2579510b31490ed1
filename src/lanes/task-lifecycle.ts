import { renameSync } from "node:fs";
import { Pattern } from "../patterns/pattern.js";
import type { ProcessResult } from "../process/process-result.js";
import type { StartTaskRequest } from "./lane-types.js";
import type { TaskEnd } from "./task-handle.js";
import type { EndedStatus, QueuedRecord, TaskRecord } from "./task-record.js";

/** A new record, `queued` until a lane slot starts it. */
export function newTaskRecord(
  id: string,
  request: StartTaskRequest,
  where: { cwd: string; log: string; exit: string; ownerPid: number },
): QueuedRecord {
  return {
    id,
    type: request.agent ? "local_agent" : "local_bash",
    status: "queued",
    command: request.command,
    description: request.description ?? null,
    origin: request.origin ?? "spawned",
    cwd: where.cwd,
    lane: request.lane ?? "default",
    pid: null,
    started_at: null,
    ended_at: null,
    exit_code: null,
    signal: null,
    end_reason: null,
    end_detail: null,
    timeout_ms: request.timeoutMs ?? null,
    notify_on: request.notifyOn?.source ?? null,
    stall_ms: request.stallMs ?? null,
    output_file: where.log,
    exit_file: where.exit,
    output_bytes: 0,
    notified: false,
    persist: request.persist ?? false,
    owner_pid: where.ownerPid,
    created_at: new Date().toISOString(),
    ...(request.agent && {
      agent: { depth: request.agent.depth, parent: request.agent.parent, root: request.agent.root },
    }),
  };
}

function statusOf(result: ProcessResult): EndedStatus {
  switch (result.reason) {
    case "timeout":
      return "timed_out";
    case "killed":
    case "output_cap":
    case "shutdown":
      return "killed";
    default:
      return result.exitCode === 0 ? "completed" : "failed";
  }
}

/** The record changes a finished process implies: status from the first termination cause, exit code, signal. */
export function endFromResult(result: ProcessResult): TaskEnd {
  return {
    status: statusOf(result),
    exit_code: result.exitCode,
    signal: result.signal,
    ...endReasonOf(result),
    ended_at: new Date(result.endedAt).toISOString(),
  };
}

/** Why it ended, as a code and, where the code alone does not say it, in words. */
function endReasonOf(result: ProcessResult): Pick<TaskRecord, "end_reason" | "end_detail"> {
  // A signal lanes did not send (kill from another shell, the OOM killer) is said to be one.
  if (result.reason === "exit")
    return result.signal === null
      ? { end_reason: null, end_detail: null }
      : { end_reason: "foreign_signal", end_detail: `${result.signal} not sent by lanes` };
  if (result.reason === "spawn_error")
    return { end_reason: "spawn_error", end_detail: `spawn error: ${result.error}` };
  return { end_reason: result.reason, end_detail: null };
}

/** Moves a running command's log into the tasks folder; where that is gone (deleted under lanes), it stays. */
export function moveLog(from: string, to: string): string {
  try {
    renameSync(from, to);
    return to;
  } catch {
    return from;
  }
}

/** A stored notify_on that no longer compiles (edited by hand) is dropped rather than failing adoption. */
export function safePattern(source: string): Pattern | undefined {
  try {
    return Pattern.compile(source);
  } catch {
    return undefined;
  }
}
