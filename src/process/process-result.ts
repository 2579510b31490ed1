import { constants as osConstants } from "node:os";

/** Why a process stopped running. The first cause wins; later kill requests do not overwrite it. */
export type TerminationReason = "exit" | "timeout" | "killed" | "output_cap" | "shutdown" | "spawn_error";

/** A finished process as flat data (modelled on execa's result): never an exception, never a parsed string. */
export interface ProcessResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  reason: TerminationReason;
  startedAt: number;
  endedAt: number;
  durationMs: number;
  /** Set only when reason is "spawn_error". */
  error?: string;
}

/** What a shell reports for a process: its exit code, or 128 + N when signal N ended it (130 for Ctrl+C). */
export function shellExitStatus(code: number | null, signal: string | null): number {
  if (code !== null) return code;
  const number = signal === null ? undefined : osConstants.signals[signal as NodeJS.Signals];
  return number === undefined ? 1 : 128 + number;
}
