import { readFileSync } from "node:fs";
import { markerIn } from "../process/marked-processes.js";
import { isTerminal, type TaskRecord } from "./task-record.js";

export interface Reconciliation {
  /** Still running, their lanes gone: watch them to the end. */
  adopt: TaskRecord[];
  /** Ended while nobody watched: completed from the exit file, or lost. */
  finished: TaskRecord[];
  /** Ended and never put in front of a model: to be notified once. */
  undelivered: TaskRecord[];
  /** Owned by another lanes that is still alive: not ours to touch. */
  foreign: TaskRecord[];
  /** Recorded as ended already (killed at shutdown, timed out, exited): none of their processes may run. */
  ended: TaskRecord[];
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Whether the lanes that wrote a record still runs. A pid alone can be reused by anything after a crash, so a
 * live pid counts only if its command line is lanes' (where /proc can tell).
 */
export function ownerAlive(pid: number): boolean {
  if (!processAlive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "latin1").includes("lanes");
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ENOENT" && !readableProc();
  }
}

/** A live pid is only our task if its environment carries the task's marker (pids get reused). */
export function isTaskProcess(pid: number, taskId: string): boolean {
  if (!processAlive(pid)) return false;
  try {
    return markerIn(readFileSync(`/proc/${pid}/environ`, "latin1")) === taskId;
  } catch (error) {
    // No /proc (not Linux): trust the pid.
    return (error as NodeJS.ErrnoException).code === "ENOENT" && !readableProc();
  }
}

function readableProc(): boolean {
  try {
    readFileSync("/proc/self/stat");
    return true;
  } catch {
    return false;
  }
}

export function readExitFile(file: string): number | null {
  try {
    const text = readFileSync(file, "utf8").trim();
    return /^\d+$/.test(text) ? Number(text) : null;
  } catch {
    return null;
  }
}

/** The end of a task nobody watched: its exit file if the wrapper wrote one, otherwise lost. */
export function completeUnobserved(record: TaskRecord): Partial<TaskRecord> {
  const exitCode = readExitFile(record.exit_file);
  const ended_at = new Date().toISOString();
  if (exitCode === null) {
    return {
      status: "lost",
      exit_code: null,
      end_reason: "ended while no lanes was watching; no exit code recorded",
      ended_at,
    };
  }
  return {
    status: exitCode === 0 ? "completed" : "failed",
    exit_code: exitCode,
    end_reason: "exit code read from exit file after restart",
    ended_at,
  };
}

/** Sorts the records a new lanes finds on disk into what to adopt, complete, and deliver. */
export function reconcileRecords(records: TaskRecord[], selfPid: number): Reconciliation {
  const outcome: Reconciliation = { adopt: [], finished: [], undelivered: [], foreign: [], ended: [] };
  for (const record of records) {
    // Another lanes that is alive owns its records, delivered or not, persisted or not: taking them over would
    // deliver its results to a second model and watch its tasks twice.
    if (record.owner_pid !== selfPid && ownerAlive(record.owner_pid)) {
      outcome.foreign.push(record);
      continue;
    }
    if (isTerminal(record.status)) {
      outcome.ended.push(record);
      if (!record.notified) outcome.undelivered.push(record);
      continue;
    }
    if (record.status === "running" && record.pid !== null && isTaskProcess(record.pid, record.id)) {
      outcome.adopt.push(record);
      continue;
    }
    const changes =
      record.status === "queued"
        ? {
            status: "lost" as const,
            end_reason: "never started: its lanes exited first",
            ended_at: new Date().toISOString(),
          }
        : completeUnobserved(record);
    const finished = { ...record, ...changes };
    outcome.finished.push(finished);
    if (!finished.notified) outcome.undelivered.push(finished);
  }
  return outcome;
}
