import { closeSync, fstatSync, openSync, readSync, ftruncateSync } from "node:fs";
import { trailingDeathLine } from "../text/shell-death-line.js";
import type { EndReason, TaskRecord } from "./task-record.js";

/** The ends lanes caused with its TERM (then KILL): the record says them, so the log need not. */
const LANES_ENDS: ReadonlySet<EndReason> = new Set([
  "killed",
  "user_kill",
  "timeout",
  "shutdown",
  "output_cap",
]);

/** Whether lanes' own signal ended this task (a shell's death line after its output is then lanes' word). */
export function endedByLanes(record: Pick<TaskRecord, "end_reason">): boolean {
  return record.end_reason !== null && LANES_ENDS.has(record.end_reason);
}

/** Longest death line with the newline before it: "\nTerminated\n". */
const WINDOW = 12;

/**
 * Takes the "Terminated" (or "Killed") line the command's shell printed when lanes' signal ended its program
 * off the end of the task's log: the log is the command's output. Only whole last lines; never throws.
 */
export function dropDeathLine(record: Pick<TaskRecord, "end_reason" | "output_file">): void {
  if (!endedByLanes(record)) return;
  let fd: number | undefined;
  try {
    fd = openSync(record.output_file, "r+");
    const size = fstatSync(fd).size;
    const length = Math.min(size, WINDOW);
    const tail = Buffer.alloc(length);
    readSync(fd, tail, 0, length, size - length);
    const text = tail.toString("latin1");
    const drop = text.endsWith("\n") ? trailingDeathLine(text) : 0;
    if (drop > 0) ftruncateSync(fd, size - drop);
  } catch {
    // No log (never started, deleted): nothing to take off.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
