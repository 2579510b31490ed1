import { readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, sep } from "node:path";
import { endingMarkerOf } from "../process/ending-marker.js";
import { reconcileStore } from "./reconcile.js";
import { isTerminal, type TaskRecord } from "./task-record.js";
import type { TaskStore } from "./task-store.js";

/** Which ended tasks go: every one (`--all`), or those ended before `olderThanMs` ago. */
export type PruneScope = { all: true } | { all: false; olderThanMs: number };

/** What a prune did, as data: the ids removed, the bytes freed, and the ended tasks it had to keep. */
export interface PruneResult {
  removed: string[];
  bytes: number;
  /** Ended, in scope, but their result has not reached a model yet: kept until it has. */
  undelivered: string[];
}

/**
 * Removes ended tasks' records, logs, exit files and every other file of theirs in the tasks folder. A task
 * that runs (as the reconcile derives it) or whose result was never delivered is never removed.
 */
export async function pruneTasks(
  store: TaskStore,
  scope: PruneScope,
  /** The lanes process pruning: its own running tasks are judged by it, never as another's. */
  selfPid: number,
  now = Date.now(),
): Promise<PruneResult> {
  const result: PruneResult = { removed: [], bytes: 0, undelivered: [] };
  const files = tasksFolderFiles(store.dir);
  for (const { record } of await reconcileStore(store, true, selfPid)) {
    if (!isTerminal(record.status) || !inScope(record, scope, now)) continue;
    if (!record.notified) {
      result.undelivered.push(record.id);
      continue;
    }
    // The record goes last: a prune stopped halfway leaves a record whose files are gone, never the reverse.
    const own = files.filter((name) => name.startsWith(`${record.id}.`) && !name.endsWith(".json"));
    // A log or exit file elsewhere (a foreground run's) goes too, but only from inside `.lanes/`.
    const outside = [record.output_file, record.exit_file, endingMarkerOf(record.exit_file)].filter(
      (file) => dirname(file) !== store.dir && file.startsWith(`${store.lanesDir}${sep}`),
    );
    for (const file of [
      ...own.map((name) => join(store.dir, name)),
      ...outside,
      store.paths(record.id).record,
    ])
      result.bytes += remove(file);
    result.removed.push(record.id);
  }
  return result;
}

function inScope(record: TaskRecord, scope: PruneScope, now: number): boolean {
  if (scope.all) return true;
  const ended = Date.parse(record.ended_at ?? record.created_at);
  return Number.isNaN(ended) || now - ended >= scope.olderThanMs;
}

function tasksFolderFiles(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Removes one file; its size, or 0 when it was not there. */
function remove(file: string): number {
  try {
    const { size } = statSync(file);
    rmSync(file, { force: true });
    return size;
  } catch {
    return 0;
  }
}

/** A session start prunes at most this often: the stamp's mtime says when the last one ran. */
const PRUNE_EVERY_MS = 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * `task_retention_days` at session start: ended, delivered tasks older than that go, at most once an hour
 * (one stat otherwise). 0 keeps everything. A failure here never stops a session.
 */
export async function pruneExpired(
  store: TaskStore,
  retentionDays: number,
  selfPid: number,
  now = Date.now(),
): Promise<void> {
  if (retentionDays <= 0) return;
  const stamp = join(store.dir, ".pruned");
  try {
    if (now - statSync(stamp).mtimeMs < PRUNE_EVERY_MS) return;
  } catch {
    // Never pruned here yet.
  }
  try {
    writeFileSync(stamp, "", { mode: 0o600 });
    await pruneTasks(store, { all: false, olderThanMs: retentionDays * DAY_MS }, selfPid, now);
  } catch {
    // An unreadable folder or a file in use: the next session tries again.
  }
}
