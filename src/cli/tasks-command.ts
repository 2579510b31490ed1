import { closeSync, openSync, readSync } from "node:fs";
import { join } from "node:path";
import { endTaskGroup } from "../lanes/end-task.js";
import { statusPhrase, summaryLine } from "../lanes/format.js";
import { listedByDefault } from "../lanes/other-tasks.js";
import { deriveTasks, isTaskProcess, reconcileStore, type DerivedTask } from "../lanes/reconcile.js";
import { isTerminal } from "../lanes/task-record.js";
import { TaskStore } from "../lanes/task-store.js";
import { fileSize } from "../text/utf8-window.js";

function readStore(workspace: string): TaskStore {
  // Only to read: listing a folder must not create `.lanes/` in it or change its modes.
  return new TaskStore(join(workspace, ".lanes"), { create: false });
}

/**
 * The workspace's tasks as they really are (the reconcile every view uses), without starting a lane manager.
 * A record whose lanes is gone is corrected on disk (atomically), so the next look agrees with this one.
 */
export async function listStoredTasks(workspace: string, all: boolean): Promise<DerivedTask[]> {
  const derived = await reconcileStore(readStore(workspace), true);
  const tasks = derived.sort((a, b) => a.record.created_at.localeCompare(b.record.created_at));
  return all ? tasks : tasks.filter(({ record }) => listedByDefault(record));
}

export function formatTaskList(tasks: DerivedTask[], all: boolean): string {
  if (tasks.length === 0)
    return all ? "No background tasks." : "No running tasks (use --all for finished ones).";
  return tasks.map(({ record, owner }) => summaryLine(record, Date.now(), owner === "gone")).join("\n");
}

async function findTask(workspace: string, id: string): Promise<DerivedTask> {
  const found = (await listStoredTasks(workspace, true)).find((candidate) => candidate.record.id === id);
  if (!found) throw new Error(`no task ${id} in ${workspace}/.lanes/tasks`);
  return found;
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
 * `lanes tasks kill ID`: ends the task's whole process group and what left it (by the task's marker). If the
 * lanes that started it is gone (a persisted task, a crash), this command also writes the record, since
 * nobody else will. A pid that no longer carries the task's marker is never signalled (pids get reused).
 */
export async function killStoredTask(workspace: string, id: string, graceMs: number): Promise<string> {
  const { record, owner } = await findTask(workspace, id);
  // An end a dead owner never saw was just written back by the reconcile, its result still undelivered.
  if (isTerminal(record.status)) return `Task ${id} already ended: ${statusPhrase(record)}.`;
  if (record.pid === null) return `Task ${id} has not started; its lanes will not start it after it exits.`;
  if (owner !== "gone" && !isTaskProcess(record.pid, id))
    return `Task ${id} is not running any more; nothing was signalled.`;
  const outcome = await endTaskGroup(record.pid, id, graceMs);
  if (owner === "gone") {
    await readStore(workspace).save({
      ...record,
      status: "killed",
      signal: outcome.signal,
      end_reason: "killed with lanes tasks kill",
      ended_at: new Date(outcome.at).toISOString(),
      output_bytes: fileSize(record.output_file),
      notified: true,
    });
  }
  return `Killed task ${id} (process group ${record.pid}).`;
}
