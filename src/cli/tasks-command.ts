import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { summaryLine } from "../lanes/format.js";
import { terminateGroup } from "../process/kill-group.js";
import { endMarkedProcesses, findMarkedProcesses } from "../process/marked-processes.js";
import { completeUnobserved, isTaskProcess, ownerAlive } from "../lanes/reconcile.js";
import { isTerminal, type TaskRecord } from "../lanes/task-record.js";
import { TaskStore } from "../lanes/task-store.js";
import { readTail, readWindow } from "../text/utf8-window.js";

/** Reads the workspace's task records without starting a lane manager (no adoption, no side effects). */
export function listStoredTasks(workspace: string, all: boolean): TaskRecord[] {
  const store = new TaskStore(join(workspace, ".lanes"));
  const records = store.loadAll().records.sort((a, b) => a.created_at.localeCompare(b.created_at));
  return all ? records : records.filter((record) => !isTerminal(record.status) || !record.notified);
}

export function formatTaskList(records: TaskRecord[], all: boolean): string {
  if (records.length === 0)
    return all ? "No background tasks." : "No running tasks (use --all for finished ones).";
  return records.map((record) => summaryLine(record)).join("\n");
}

function findRecord(workspace: string, id: string): TaskRecord {
  const record = listStoredTasks(workspace, true).find((candidate) => candidate.id === id);
  if (!record) throw new Error(`no task ${id} in ${workspace}/.lanes/tasks`);
  return record;
}

/**
 * Whether a followed log can still grow: its record says running and its process still carries the task's
 * marker. An unreadable record, or one a crashed lanes left "running" over a dead process, ends the follow.
 */
function stillWritten(workspace: string, id: string): boolean {
  try {
    const current = JSON.parse(
      readFileSync(join(workspace, ".lanes", "tasks", `${id}.json`), "utf8"),
    ) as TaskRecord;
    if (isTerminal(current.status)) return false;
    return current.pid === null || isTaskProcess(current.pid, id);
  } catch {
    return false;
  }
}

/** `lanes tasks logs ID [-f]`: the log's last 64 KiB, then (with follow) new bytes until the task ends. */
export async function showLogs(
  workspace: string,
  id: string,
  follow: boolean,
  write: (text: string) => void,
): Promise<void> {
  const record = findRecord(workspace, id);
  const tail = readTail(record.output_file, 64 * 1024);
  write(tail.text);
  if (!follow) return;
  let offset = tail.end;
  await new Promise<void>((resolve) => {
    const poll = (): void => {
      let size = offset;
      try {
        size = statSync(record.output_file).size;
      } catch {
        // not created yet
      }
      if (size > offset) {
        const chunk = readWindow(record.output_file, offset, Math.min(size - offset, 1024 * 1024));
        write(chunk.text);
        offset = chunk.end;
      }
      if (size <= offset && !stillWritten(workspace, id)) {
        clearInterval(timer);
        resolve();
      }
    };
    const timer = setInterval(poll, 200);
    poll();
  });
}

/**
 * `lanes tasks kill ID`: ends the task's whole process group and what left it (by the task's marker). If the
 * lanes that started it is gone (a persisted task, a crash), this command also writes the record, since
 * nobody else will. A pid that no longer carries the task's marker is never signalled (pids get reused).
 */
export async function killStoredTask(workspace: string, id: string, graceMs: number): Promise<string> {
  const record = findRecord(workspace, id);
  if (isTerminal(record.status)) return `Task ${id} already ended: ${record.status}.`;
  if (record.pid === null) return `Task ${id} has not started; its lanes will not start it after it exits.`;
  const ownerGone = !ownerAlive(record.owner_pid) || record.owner_pid === process.pid;
  const store = new TaskStore(join(workspace, ".lanes"));
  if (!isTaskProcess(record.pid, id)) {
    // It ended while nobody watched: its exit file (if any) tells how, and that result is still undelivered.
    if (ownerGone) await store.save({ ...record, ...completeUnobserved(record) });
    return `Task ${id} is not running any more; nothing was signalled.`;
  }
  const ids = new Set([id]);
  await Promise.all([terminateGroup(record.pid, graceMs), endEscapees(ids, graceMs)]);
  if (ownerGone) {
    await store.save({
      ...record,
      status: "killed",
      end_reason: "killed",
      ended_at: new Date().toISOString(),
      notified: true,
    });
  }
  return `Killed task ${id} (process group ${record.pid}).`;
}

/** TERM what carries the marker, then KILL whatever of it is still there after the grace period. */
async function endEscapees(ids: ReadonlySet<string>, graceMs: number): Promise<void> {
  if (endMarkedProcesses(ids, graceMs) === 0) return;
  const deadline = Date.now() + graceMs;
  while (findMarkedProcesses(ids).length > 0 && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 50));
  endMarkedProcesses(ids, 0);
}
