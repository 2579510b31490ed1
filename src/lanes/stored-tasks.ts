import { join } from "node:path";
import { fileSize } from "../text/utf8-window.js";
import { endTaskGroup } from "./end-task.js";
import { dropDeathLine } from "./log-death-line.js";
import { listedByDefault } from "./other-tasks.js";
import { isRecordedProcess, reconcileStore, type DerivedTask } from "./reconcile.js";
import { requestKill, USER_KILL_END } from "./kill-request.js";
import { isTerminal, type TaskRecord } from "./task-record.js";
import { MIN_ID_PREFIX, TaskNotFoundError } from "./task-not-found.js";
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
export async function listStoredTasks(
  workspace: string,
  all: boolean,
  /** The lanes process looking (the CLI's own, or the REPL's runtime owner): its tasks are its own. */
  selfPid: number,
): Promise<DerivedTask[]> {
  const derived = await reconcileStore(readStore(workspace), true, selfPid);
  const tasks = derived.sort((a, b) => a.record.created_at.localeCompare(b.record.created_at));
  return all ? tasks : tasks.filter(({ record }) => listedByDefault(record));
}

/** The task `id` names: its whole id, or (as git takes a commit) a unique prefix of 4 or more characters. */
export async function findTask(workspace: string, id: string, selfPid: number): Promise<DerivedTask> {
  const tasks = await listStoredTasks(workspace, true, selfPid);
  const found = tasks.find((candidate) => candidate.record.id === id);
  if (found) return found;
  const starting = tasks.filter(({ record }) => id !== "" && record.id.startsWith(id));
  if (starting.length === 1 && starting[0] && id.length >= MIN_ID_PREFIX) return starting[0];
  throw new TaskNotFoundError(
    id,
    workspace,
    starting.map(({ record }) => record.id),
  );
}

/** What `lanes tasks kill ID` did (src/present/stored-kill-text.ts words it). */
export type StoredKill =
  | { kind: "already-ended"; id: string; record: TaskRecord }
  /** Queued: the owner recorded it killed before it started. */
  | { kind: "never-starts"; id: string; record: TaskRecord }
  /** Queued in a live lanes that has not recorded the kill yet. */
  | { kind: "queued-elsewhere"; id: string; ownerPid: number }
  /** A remote task: ended there by its live lanes, or left for that lanes to end. */
  | { kind: "killed-remote"; id: string; host: string; record: TaskRecord }
  | { kind: "remote-elsewhere"; id: string; host: string; ownerPid: number }
  | { kind: "not-running"; id: string }
  /** `record`: the end as recorded; undefined while its live lanes has not written it yet. */
  | { kind: "killed"; id: string; pgid: number; record: TaskRecord | undefined };

/**
 * `lanes tasks kill ID`: ends the task's whole process group and what left it (by the task's marker). The kill
 * request is written first, so a live owner records the end as the user's kill; if the lanes that started it
 * is gone (a persisted task, a crash), this command writes the record, since nobody else will. A pid that no
 * longer carries the task's marker is never signalled (pids get reused).
 */
export async function killStoredTask(
  workspace: string,
  /** The task's id or a unique prefix of it (findTask). */
  given: string,
  graceMs: number,
  selfPid: number,
): Promise<StoredKill> {
  const { record, owner } = await findTask(workspace, given, selfPid);
  const id = record.id;
  // An end a dead owner never saw was just written back by the reconcile, its result still undelivered.
  if (isTerminal(record.status)) return { kind: "already-ended", id, record };
  const store = readStore(workspace);
  if (record.pid === null) {
    // Queued in a live lanes: the request stops it from ever starting, once its slot comes.
    requestKill(store, id);
    const written = await ownerWrote(store, id, OWNER_WRITE_MS);
    if (written?.remote) return { kind: "killed-remote", id, host: written.remote.host, record: written };
    if (written) return { kind: "never-starts", id, record: written };
    if (record.remote)
      return { kind: "remote-elsewhere", id, host: record.remote.host, ownerPid: record.owner_pid };
    return { kind: "queued-elsewhere", id, ownerPid: record.owner_pid };
  }
  if (owner !== "gone" && !isRecordedProcess(record)) return { kind: "not-running", id };
  requestKill(store, id);
  const outcome = await endTaskGroup(record.pid, id, graceMs, record.exit_file);
  if (owner === "gone") {
    dropDeathLine({ output_file: record.output_file, end_reason: "user_kill" });
    const ended = {
      ...record,
      status: "killed" as const,
      signal: outcome.signal,
      ...USER_KILL_END,
      ended_at: new Date(outcome.at).toISOString(),
      output_bytes: fileSize(record.output_file),
      notified: true,
    };
    await store.save(ended);
    return { kind: "killed", id, pgid: record.pid, record: ended };
  }
  // Its live owner writes the end: wait a little for it, so what is printed is what the record says.
  const written = await ownerWrote(store, id, OWNER_WRITE_MS);
  return { kind: "killed", id, pgid: record.pid, record: written };
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
