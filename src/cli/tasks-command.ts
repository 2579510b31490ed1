import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { summaryLine } from "../lanes/format.js";
import { groupAlive, signalGroup } from "../process/kill-group.js";
import { endMarkedProcesses, findMarkedProcesses } from "../process/marked-processes.js";
import { processAlive } from "../lanes/reconcile.js";
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
      const current = JSON.parse(
        readFileSync(join(workspace, ".lanes", "tasks", `${id}.json`), "utf8"),
      ) as TaskRecord;
      if (isTerminal(current.status) && size <= offset) {
        clearInterval(timer);
        resolve();
      }
    };
    const timer = setInterval(poll, 200);
    poll();
  });
}

/**
 * `lanes tasks kill ID`: ends the task's whole process group. If the lanes that started it is gone (a
 * persisted task, a crash), this command also writes the record, since nobody else will.
 */
export async function killStoredTask(workspace: string, id: string): Promise<string> {
  const record = findRecord(workspace, id);
  if (isTerminal(record.status)) return `Task ${id} already ended: ${record.status}.`;
  if (record.pid === null) return `Task ${id} has not started; its lanes will not start it after it exits.`;
  // Its group, and what left the group (setsid, setpgid) found by the task's marker: TERM, then KILL.
  const pgid = record.pid;
  const ids = new Set([id]);
  const grouped = signalGroup(pgid, "SIGTERM");
  const escaped = endMarkedProcesses(ids, 2000);
  if (grouped || escaped > 0) {
    const alive = (): boolean => groupAlive(pgid) || findMarkedProcesses(ids).length > 0;
    const deadline = Date.now() + 2000;
    while (alive() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    signalGroup(pgid, "SIGKILL");
    endMarkedProcesses(ids, 0);
  }
  if (!processAlive(record.owner_pid) || record.owner_pid === process.pid) {
    const store = new TaskStore(join(workspace, ".lanes"));
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
