import type { TerminationReason } from "../process/process-result.js";
import { formatDuration } from "../text/preview.js";
import { withoutDeathLine } from "../text/shell-death-line.js";

// What the model reads after a foreground bash call: the output, then what happened to the command.

/** A command that ran to its end (or was ended), as bash's reply words it. */
export interface FinishedCommand {
  reason: TerminationReason;
  exitCode: number | null;
  signal: string | null;
  error?: string | undefined;
  timeoutMs: number;
  /** The task tracking processes it left running, whether they were ended, or neither. */
  leftovers: { taskId: string } | "ended" | "none";
}

/** The reply for a command still running at its limit, now background task `taskId`. */
export function movedCommandReply(output: string, taskId: string, where: string): string {
  return `${output}\n\n[Still running, so it was moved to background task ${taskId} (output_file=${where}). You will be notified when it ends; use wait_background or check_background instead of re-running it.]`;
}

/** How a command lanes ended went: the signal it died of, or the code it chose to exit with. */
function endedHow(run: FinishedCommand): string {
  const how = run.signal ?? `it exited with code ${run.exitCode ?? "unknown"}`;
  return `its process group was killed (${how}).`;
}

export function finishedCommandReply(output: string, run: FinishedCommand): string {
  const notes: string[] = [];
  const endedByLanes = run.reason === "timeout" || run.reason === "killed" || run.reason === "shutdown";
  // The shell's own "Terminated" after the output would say the end a second time.
  if (endedByLanes) output = withoutDeathLine(output).replace(/\n+$/, "");
  if (run.reason === "timeout")
    notes.push(`Timed out after ${formatDuration(run.timeoutMs)}; ${endedHow(run)}`);
  else if (run.reason === "killed") notes.push(`Cancelled: the command was stopped; ${endedHow(run)}`);
  else if (run.reason === "shutdown") notes.push(`Stopped: lanes is exiting; ${endedHow(run)}`);
  else if (run.signal) notes.push(`Terminated by ${run.signal}.`);
  else if (run.exitCode !== 0)
    notes.push(`Exit code: ${run.exitCode ?? "unknown"}${run.error ? ` (${run.error})` : ""}`);
  if (run.leftovers === "ended")
    notes.push(
      "Processes it left running in the background (cmd &) were ended; use background_run for long-lived processes.",
    );
  else if (run.leftovers !== "none")
    notes.push(`Processes it left running are tracked as background task ${run.leftovers.taskId}.`);
  // An ended command that printed nothing: its one line says so, not "(no output)" above it too.
  if (output.length === 0 && endedByLanes) return notes.join("\n");
  const text = output.length > 0 ? output : "(no output)";
  return notes.length > 0 ? `${text}\n\n${notes.join("\n")}` : text;
}
