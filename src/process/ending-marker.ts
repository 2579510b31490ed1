import { writeFileSync } from "node:fs";

/**
 * How a command's shell tells lanes' TERM from any other. The trapping shell catches TERM/INT/HUP so that a
 * program which outlives lanes' TERM and exits 7 is recorded 7 (its `exit $?`). But a TERM the command sends
 * itself (`kill -TERM $$`, `kill 0` to clean up what it started) ended a plain shell by that signal, and was
 * recorded `exit 0` (the `kill` builtin's status). So lanes marks a task as ending (an empty file next to its
 * exit file, named in the command's environment) before any TERM it sends, and the trap keeps `exit $?` only
 * when that mark is there; otherwise it re-raises the signal and the shell dies of it, as a plain one would.
 */
export const ENDING_VARIABLE = "LANES_TASK_ENDING";

/** The mark's path for a command whose exit code goes to `exitFile`. */
export function endingMarkerOf(exitFile: string): string {
  return `${exitFile}.ending`;
}

/** Marks the command as ended by lanes; before the TERM. Best effort: without it, a TERM-proof program's code reads as the TERM. */
export function markEnding(exitFile: string | undefined): void {
  if (exitFile === undefined) return;
  try {
    writeFileSync(endingMarkerOf(exitFile), "");
  } catch {
    // The tasks folder gone (a test's workspace removed): nothing is left to record either.
  }
}
