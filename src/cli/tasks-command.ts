import { closeSync, openSync, readSync } from "node:fs";
import { summaryLine } from "../lanes/format.js";
import { deriveTasks, isTaskProcess, type DerivedTask } from "../lanes/reconcile.js";
import { isTerminal } from "../lanes/task-record.js";
import { caretStream } from "../text/caret-notation.js";
import { findTask, killStoredTask, listStoredTasks, readStore } from "../lanes/stored-tasks.js";

export function formatTaskList(tasks: DerivedTask[], all: boolean): string {
  if (tasks.length === 0)
    return all ? "No background tasks." : "No running tasks (use --all for finished ones).";
  return tasks.map(({ record, owner }) => summaryLine(record, Date.now(), owner === "gone")).join("\n");
}

/**
 * Whether a followed log can still grow: its record says running and its process still carries the task's
 * marker. An unreadable record, or one a crashed lanes left "running" over a dead process, ends the follow.
 */
function stillWritten(workspace: string, id: string): boolean {
  const current = readStore(workspace).find(id);
  if (!current) return false;
  const [derived] = deriveTasks([current]);
  if (!derived || isTerminal(derived.record.status)) return false;
  // Queued, or running under a live lanes that has not written its end yet: its own pid tells.
  return current.pid === null || derived.owner === "gone" || isTaskProcess(current.pid, id);
}

const CHUNK_BYTES = 1024 * 1024;

/** Writes the file's bytes from `offset` to its current end, a chunk at a time; returns the new offset. */
function copyFrom(file: string, offset: number, write: (chunk: Uint8Array) => void): number {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch {
    return offset; // not created yet
  }
  try {
    const buffer = Buffer.alloc(CHUNK_BYTES);
    for (;;) {
      const read = readSync(fd, buffer, 0, CHUNK_BYTES, offset);
      if (read === 0) return offset;
      write(Buffer.from(buffer.subarray(0, read)));
      offset += read;
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * `lanes tasks logs ID [-f]` and attached `lanes run`: the whole log, byte for byte, then (with follow) new
 * bytes as they come until the task ends.
 */
export async function showLogs(
  workspace: string,
  id: string,
  follow: boolean,
  write: (chunk: Uint8Array) => void,
): Promise<void> {
  const { record } = await findTask(workspace, id);
  let offset = copyFrom(record.output_file, 0, write);
  if (!follow) return;
  await new Promise<void>((resolve) => {
    const poll = (): void => {
      offset = copyFrom(record.output_file, offset, write);
      if (stillWritten(workspace, id)) return;
      // Ended: what it wrote between the copy and the check is still to come.
      copyFrom(record.output_file, offset, write);
      clearInterval(timer);
      resolve();
    };
    const timer = setInterval(poll, 100);
    poll();
  });
}

/**
 * `lanes tasks logs` to stdout: byte for byte into a pipe or a file; on a terminal in caret notation, so a
 * task's escape sequences cannot retitle, clear or redraw the user's terminal.
 */
export async function printLogs(
  workspace: string,
  id: string,
  follow: boolean,
  out: NodeJS.WriteStream,
): Promise<void> {
  if (!out.isTTY) return showLogs(workspace, id, follow, (chunk) => void out.write(chunk));
  const screen = caretStream((text) => void out.write(text));
  await showLogs(workspace, id, follow, (chunk) => screen.write(chunk));
  screen.end();
}

export { killStoredTask, listStoredTasks };
