import { constants } from "node:os";
import type { KillReason, TaskEnd } from "../lanes/task-handle.js";
import type { JobState } from "./slurm-state.js";

const now = (): string => new Date().toISOString();

function signalName(number: number): string | null {
  return Object.entries(constants.signals).find(([, value]) => value === number)?.[0] ?? null;
}

/** The record's end from Slurm's own facts: the job's final state and ExitCode (`code:signal`). */
export function endFromJob(
  state: Extract<JobState, { kind: "ended" }>,
  killReason: KillReason | undefined,
): TaskEnd {
  const signal = state.signal > 0 ? signalName(state.signal) : null;
  if (state.state === "TIMEOUT" || state.state === "DEADLINE" || killReason === "timeout")
    return {
      status: "timed_out",
      exit_code: null,
      signal,
      end_reason: "timeout",
      end_detail: killReason === "timeout" ? null : "Slurm's time limit (--time) ended the job",
      ended_at: now(),
    };
  if (state.state === "CANCELLED" || killReason !== undefined)
    return {
      status: "killed",
      exit_code: null,
      signal,
      end_reason: killReason ?? "killed",
      end_detail: killReason === undefined ? "cancelled in Slurm (scancel by someone else)" : null,
      ended_at: now(),
    };
  if (state.state === "COMPLETED" || state.state === "FAILED")
    return {
      status: state.exitCode === 0 && signal === null ? "completed" : "failed",
      exit_code: signal === null ? state.exitCode : null,
      signal,
      end_reason: null,
      ended_at: now(),
    };
  return {
    status: "failed",
    exit_code: null,
    signal,
    end_reason: "other",
    end_detail: `Slurm ended the job: ${state.state} (${state.reason})`,
    ended_at: now(),
  };
}

/** The end from the exit file alone (the job left Slurm's records before lanes read them). */
export function endFromExitFile(code: number): TaskEnd {
  return {
    status: code === 0 ? "completed" : "failed",
    exit_code: code,
    signal: null,
    end_reason: null,
    ended_at: now(),
  };
}
