import { readFileSync, readlinkSync, statSync } from "node:fs";
import { basename } from "node:path";
import { exitCodeEnd, readWrittenExit, type WrittenExit } from "../process/exit-file.js";
import { groupOf } from "../process/group-members.js";
import { findMarkedProcesses, markerIn } from "../process/marked-processes.js";
import { processAlive } from "../process/process-alive.js";
import { runningProcessAgeMs } from "../process/proc-stat.js";
import { isTerminal, QUEUED_PHASE, type EndedRecord, type TaskRecord } from "./task-record.js";
import type { TaskStore } from "./task-store.js";

/**
 * Whether the lanes that wrote a record still runs. A pid alone can be reused by anything after a crash, so a
 * live pid counts only if its command line is lanes' (where /proc can tell).
 */
export function ownerAlive(pid: number): boolean {
  if (!processAlive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "latin1").includes("lanes") && runsNode(pid);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ENOENT" && !readableProc();
  }
}

/**
 * Only node (or a compiled lanes) owns tasks: a task's own shell, perl or bwrap can carry ".lanes/" in its
 * command line and take a dead owner's pid. Unreadable (another user's process): the command line decides.
 */
function runsNode(pid: number): boolean {
  try {
    return /^(node|nodejs|lanes)/.test(basename(readlinkSync(`/proc/${pid}/exe`)));
  } catch {
    return true;
  }
}

/**
 * A live pid is only our task if its environment carries the task's marker (pids get reused). A leader the
 * fork server forked (the exit-code recorder, never exec'd) shows the server's environment: the command's
 * shell it forked carries the marker then.
 */
export function isTaskProcess(pid: number, taskId: string): boolean {
  if (!processAlive(pid)) return false;
  try {
    if (markerIn(readFileSync(`/proc/${pid}/environ`, "latin1")) === taskId) return true;
  } catch (error) {
    // No /proc (not Linux): trust the pid.
    return (error as NodeJS.ErrnoException).code === "ENOENT" && !readableProc();
  }
  return childrenOf(pid).some((child) => {
    try {
      return markerIn(readFileSync(`/proc/${child}/environ`, "latin1")) === taskId;
    } catch {
      return false;
    }
  });
}

/** How far apart a leader's birth and its record's start may be for it to be that task's leader. */
const BIRTH_MATCH_MS = 2_000;

/**
 * Whether the record's pid was born when the record says its task started: its leader, even before any of
 * its processes carries the marker. A launcher that has not yet forked and exec'd the command's shell shows
 * the environment of what started it (the fork server's), and a lanes that crashed in that moment left a task
 * the next one wrote off as never run. A pid reused since was born later.
 */
function bornWithRecord(record: TaskRecord): boolean {
  if (record.pid === null || record.started_at === null) return false;
  // None for a zombie: an end waiting for its reaper, not a task still running.
  const age = runningProcessAgeMs(record.pid);
  const recordAge = Date.now() - Date.parse(record.started_at);
  return age !== undefined && Number.isFinite(recordAge) && Math.abs(age - recordAge) <= BIRTH_MATCH_MS;
}

/**
 * Whether a record's pid is its task's process: it carries the task's marker, or (its launcher not yet
 * exec'd into the command, a few ms after the start) it was born when the record says the task started.
 */
export function isRecordedProcess(record: TaskRecord): boolean {
  return record.pid !== null && (isTaskProcess(record.pid, record.id) || bornWithRecord(record));
}

function childrenOf(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "latin1").split(" ").filter(Boolean);
  } catch {
    return [];
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

/** What the exit-file wrapper left: the code (and whether it is a signal's), and when it was written. */
export interface ExitFile extends WrittenExit {
  endedAt: number;
}

export function readExitFile(file: string): ExitFile | null {
  const written = readWrittenExit(file);
  if (written === null) return null;
  try {
    // The wrapper writes the file the moment the command ends, so its mtime is the end time: true even
    // when no lanes was running to see it (no clock call in the wrapper, so no extra exec per task).
    return { ...written, endedAt: statSync(file).mtimeMs };
  } catch {
    return null;
  }
}

function fileFacts(file: string): { bytes: number; modifiedAt: number | null } {
  try {
    const stat = statSync(file);
    return { bytes: stat.size, modifiedAt: stat.mtimeMs };
  } catch {
    return { bytes: 0, modifiedAt: null };
  }
}

function iso(ms: number, notBefore: string | null): string {
  const floor = notBefore === null ? ms : Math.max(ms, Date.parse(notBefore));
  return new Date(floor).toISOString();
}

/**
 * The end of a task nobody watched: its exit file if the wrapper wrote one (code and end time), otherwise
 * lost, ended at its last sign of life (the log's last write), so its duration does not grow with each look.
 */
export function completeUnobserved(
  record: TaskRecord,
): Pick<
  EndedRecord,
  "status" | "exit_code" | "signal" | "end_reason" | "end_detail" | "ended_at" | "output_bytes"
> {
  const exit = readExitFile(record.exit_file);
  const log = fileFacts(record.output_file);
  if (exit === null) {
    const lastSign = log.modifiedAt ?? (record.started_at ? Date.parse(record.started_at) : Date.now());
    return {
      status: "lost",
      exit_code: null,
      signal: null,
      end_reason: "unobserved",
      end_detail: "ended while no lanes was watching; no exit code recorded",
      ended_at: iso(lastSign, record.started_at),
      output_bytes: log.bytes,
    };
  }
  // A shell that died of a signal itself (`kill -9 $$`) ends as a watched one would: that signal, no code.
  const end = exitCodeEnd(exit.code, exit.signalled);
  return {
    status: exit.code === 0 ? "completed" : "failed",
    exit_code: end.exitCode,
    signal: end.signal,
    end_reason: "unobserved",
    end_detail: "ended while no lanes was watching; exit code from its exit file",
    ended_at: iso(exit.endedAt, record.started_at),
    output_bytes: log.bytes,
  };
}

/** A record as it really is, derived from the record, its exit file, its owner and its processes. */
export interface DerivedTask {
  record: TaskRecord;
  /** The lanes that wrote the record: this process, another one still running, or gone. */
  owner: "self" | "alive" | "gone";
  /** The derived record differs from the one on disk (it may be written back: its owner is gone). */
  corrected: boolean;
}

/**
 * The one reconcile every view uses. Pure reading: owner alive (or this process) → the record as its owner
 * keeps it; owner gone and exit file present → completed/failed with that code and end time; owner gone and
 * processes carrying the task's marker alive → running, owner gone; neither → lost.
 */
export function deriveTasks(records: TaskRecord[], selfPid: number): DerivedTask[] {
  const owners = new Map<number, DerivedTask["owner"]>();
  const ownerOf = (pid: number): DerivedTask["owner"] => {
    let state = owners.get(pid);
    if (state === undefined)
      owners.set(pid, (state = pid === selfPid ? "self" : ownerAlive(pid) ? "alive" : "gone"));
    return state;
  };
  const orphaned = records.filter(
    (record) => !isTerminal(record.status) && ownerOf(record.owner_pid) === "gone",
  );
  // One /proc pass finds every orphan's processes, including those that left its group (setsid).
  const unexited = orphaned.filter(
    (record) => record.status === "running" && record.remote === undefined && !readExitFile(record.exit_file),
  );
  const direct = new Set(unexited.filter(isRecordedProcess).map((r) => r.id));
  const scan = new Set(unexited.map((r) => r.id).filter((id) => !direct.has(id)));
  const marked = findMarkedProcesses(scan);
  const alive = new Set([...direct, ...marked.map((found) => found.taskId)]);
  return records.map((record) => {
    const owner = ownerOf(record.owner_pid);
    if (owner !== "gone" || isTerminal(record.status)) return { record, owner, corrected: false };
    // Queued is a promise the model was given: the next lanes starts it (recovery.ts), so it stays queued.
    if (record.status === "queued") return { record, owner, corrected: false };
    // Only its host knows whether a remote task runs: it stays running until a lanes asks there (adoption).
    if (alive.has(record.id) || (record.remote !== undefined && record.status === "running")) {
      const bytes = fileFacts(record.output_file).bytes;
      // Killed between the spawn and the write naming its pid: its marked processes name the group.
      const pid = record.pid ?? groupOfMarked(marked, record.id);
      return { record: { ...record, pid, output_bytes: bytes }, owner, corrected: false };
    }
    // Recorded running before its process existed (write-ahead), and no trace of one: it never started.
    if (record.pid === null && readExitFile(record.exit_file) === null)
      return { record: { ...record, ...QUEUED_PHASE }, owner, corrected: true };
    return { record: { ...record, ...completeUnobserved(record) }, owner, corrected: true };
  });
}

function groupOfMarked(marked: { pid: number; taskId: string }[], taskId: string): number | null {
  for (const found of marked) {
    const group = found.taskId === taskId ? groupOf(found.pid) : undefined;
    if (group !== undefined) return group;
  }
  return null;
}

/** Whether a task still runs, judged as every view judges it (its owner, its exit file, its marked processes). */
export function taskStillRuns(record: TaskRecord, selfPid: number): boolean {
  return deriveTasks([record], selfPid)[0]?.record.status === "running";
}

/**
 * Reads a workspace's records and derives their truth. With `writeBack`, a corrected record whose owner is
 * gone is saved (temp file + rename), and only if nobody changed it on disk meanwhile (a lanes adopting it).
 */
export async function reconcileStore(
  store: TaskStore,
  writeBack: boolean,
  selfPid: number,
): Promise<DerivedTask[]> {
  const derived = deriveTasks(store.loadAll().records, selfPid);
  if (!writeBack) return derived;
  for (const task of derived) {
    if (!task.corrected) continue;
    const onDisk = store.find(task.record.id);
    if (onDisk && onDisk.owner_pid === task.record.owner_pid && !isTerminal(onDisk.status))
      await store.save(task.record);
  }
  return derived;
}
