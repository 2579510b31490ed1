import { constants } from "node:os";
import type { KillReason, TaskEnd } from "../lanes/task-handle.js";
import type { RemoteError } from "./remote-error.js";
import type { FollowEnd } from "./output-follow.js";

function signalName(code: number): string | null {
  const number = code - 128;
  const found = Object.entries(constants.signals).find(([, value]) => value === number);
  return found ? found[0] : null;
}

const now = (): string => new Date().toISOString();

/** The record's end from what the supervisor wrote there (exit code, and whether a kill or deadline did it). */
export function endFromSupervisor(
  end: Extract<FollowEnd, { kind: "exited" }>,
  killReason: KillReason | undefined,
): TaskEnd {
  const signal = end.code > 128 ? signalName(end.code) : null;
  if (end.why === "timeout" || killReason === "timeout")
    return { status: "timed_out", exit_code: null, signal, end_reason: "timeout", ended_at: now() };
  if (end.why === "killed" || killReason !== undefined)
    return { status: "killed", exit_code: null, signal, end_reason: killReason ?? "killed", ended_at: now() };
  return {
    status: end.code === 0 ? "completed" : "failed",
    exit_code: end.code,
    signal: null,
    end_reason: null,
    ended_at: now(),
  };
}

/** A task that never started there (or whose host cannot be reached to the end): one line says why. */
export function endFromError(error: RemoteError, status: "failed" | "lost" = "failed"): TaskEnd {
  const end_reason = status === "failed" ? "spawn_error" : "other";
  return { status, exit_code: null, signal: null, end_reason, end_detail: error.message, ended_at: now() };
}

export function lostEnd(why: string): TaskEnd {
  return {
    status: "lost",
    exit_code: null,
    signal: null,
    end_reason: "other",
    end_detail: why,
    ended_at: now(),
  };
}
