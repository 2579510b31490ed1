import { join } from "node:path";
import { fileSize } from "../text/utf8-window.js";
import { endTaskGroup } from "./end-task.js";
import { statusPhrase } from "./format.js";
import { listedByDefault } from "./other-tasks.js";
import { isTaskProcess, reconcileStore, type DerivedTask } from "./reconcile.js";
import { requestKill, USER_KILL_REASON } from "./kill-request.js";
import { isTerminal, type TaskRecord } from "./task-record.js";
import { TaskStore } from "./task-store.js";

// The workspace's tasks read from disk, whoever started them, without a lane manager: `lanes tasks` and the
// REPL's /tasks for another lanes' tasks.

export function readStore(workspace: string): TaskStore {
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

export async function findTask(workspace: string, id: string): Promise<DerivedTask> {
  const found = (await listStoredTasks(workspace, true)).find((candidate) => candidate.record.id === id);
  if (!found) throw new Error(`no task ${id} in ${workspace}/.lanes/tasks`);
  return found;
}

/**
 * `lanes tasks kill ID`: ends the task's whole process group and what left it (by the task's marker). The kill
 * request is written first, so a live owner records the end as the user's kill; if the lanes that started it
 * is gone (a persisted task, a crash), this command writes the record, since nobody else will. A pid that no
 * longer carries the task's marker is never signalled (pids get reused).
 */
export async function killStoredTask(workspace: string, id: string, graceMs: number): Promise<string> {
  const { record, owner } = await findTask(workspace, id);
  // An end a dead owner never saw was just written back by the reconcile, its result still undelivered.
  if (isTerminal(record.status)) return `Task ${id} already ended: ${statusPhrase(record)}.`;
  const store = readStore(workspace);
  if (record.pid === null) {
    // Queued in a live lanes: the request stops it from ever starting, once its slot comes.
    requestKill(store, id);
    const written = await ownerWrote(store, id, OWNER_WRITE_MS);
    if (written?.remote) return `Killed task ${id} on ${written.remote.host}: ${statusPhrase(written)}.`;
    if (written) return `Task ${id} had not started and never will: ${statusPhrase(written)}.`;
    if (record.remote)
      return `Task ${id} runs on ${record.remote.host}: its lanes (pid ${record.owner_pid}) ends it there.`;
    return `Task ${id} is queued in a running lanes (pid ${record.owner_pid}): it will not start, and is recorded as killed by the user when its slot frees.`;
  }
  if (owner !== "gone" && !isTaskProcess(record.pid, id))
    return `Task ${id} is not running any more; nothing was signalled.`;
  requestKill(store, id);
  const outcome = await endTaskGroup(record.pid, id, graceMs);
  if (owner === "gone") {
    const ended = {
      ...record,
      status: "killed" as const,
      signal: outcome.signal,
      end_reason: USER_KILL_REASON,
      ended_at: new Date(outcome.at).toISOString(),
      output_bytes: fileSize(record.output_file),
      notified: true,
    };
    await store.save(ended);
    return `Killed task ${id} (process group ${record.pid}): ${statusPhrase(ended)}.`;
  }
  // Its live owner writes the end: wait a little for it, so what is printed is what the record says.
  const written = await ownerWrote(store, id, OWNER_WRITE_MS);
  const said = written ? `: ${statusPhrase(written)}` : "; its lanes records the end";
  return `Killed task ${id} (process group ${record.pid})${said}.`;
}

/** How long `lanes tasks kill` waits for a live owner to record the end it caused. */
const OWNER_WRITE_MS = 5000;

async function ownerWrote(store: TaskStore, id: string, withinMs: number): Promise<TaskRecord | undefined> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const current = store.find(id);
    if (current && isTerminal(current.status)) return current;
    if (Date.now() > deadline) return undefined;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
