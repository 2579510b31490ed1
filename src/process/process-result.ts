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
