import { readdirSync } from "node:fs";
import { join } from "node:path";
import { createExclusive, readText, reap, removeFile } from "./claim-files.js";
import { ownerAlive } from "./reconcile.js";
import { planRecovery, type RecoveryPlan } from "./recovery.js";
import { isTerminal, type TaskRecord } from "./task-record.js";

/** `<id>.claim-<pid of the dead owner>`: one claim per record and dead owner, so a later owner's death claims anew. */
const CLAIM_NAME = /^(.+)\.claim-(\d+)$/;

function claimFile(dir: string, record: TaskRecord): string {
  return join(dir, `${record.id}.claim-${record.owner_pid}`);
}

function claimantOf(text: string): number | undefined {
  try {
    const { pid } = JSON.parse(text) as { pid?: unknown };
    return typeof pid === "number" ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes a dead owner's record for this process, atomically: of any number of lanes starting together or
 * one after another, exactly one gets it while it lives; a claimant that died is reaped and claimed over.
 */
export function claimRecord(dir: string, record: TaskRecord, selfPid: number): boolean {
  const file = claimFile(dir, record);
  // Unique text: the reaper's guard is keyed by it, so a claim reaped once never blocks a later one.
  const mine = JSON.stringify({ pid: selfPid, at: Date.now(), nonce: Math.random() });
  for (let attempt = 0; attempt < 4; attempt++) {
    if (createExclusive(file, mine)) return stillLeftover(dir, record, file, mine);
    const held = readText(file);
    if (held === undefined) continue;
    const claimant = claimantOf(held);
    if (claimant === selfPid) return true;
    if (claimant !== undefined && ownerAlive(claimant)) return false;
    if (!reap(file, held)) return false;
  }
  return false;
}

/**
 * Whether the record, read again after our claim, is still the dead owner's to give. Our view of it may
 * predate another lanes taking it (its owner or `notified` written) and a sweep removing that one's claim:
 * then the name was free again, and ours is dropped.
 */
function stillLeftover(dir: string, record: TaskRecord, file: string, mine: string): boolean {
  const text = readText(join(dir, `${record.id}.json`));
  let now: Partial<TaskRecord> | undefined;
  try {
    now = text === undefined ? undefined : (JSON.parse(text) as Partial<TaskRecord>);
  } catch {
    // A record that cannot be read is judged by the view we have: a result kept beats a result lost.
    return true;
  }
  const taken =
    now === undefined ||
    now.owner_pid !== record.owner_pid ||
    (now.status !== undefined && isTerminal(now.status) && now.notified === true);
  if (!taken) return true;
  if (readText(file) === mine) removeFile(file);
  return false;
}

/**
 * Keeps in a recovery plan only the dead owners' records this process claimed: the tasks to adopt and the
 * ended results to deliver. What another live lanes claimed is its own, listed but never delivered twice.
 */
export function claimPlan(dir: string, plan: RecoveryPlan, selfPid: number): RecoveryPlan {
  const mine = (record: TaskRecord): boolean =>
    record.owner_pid === selfPid || claimRecord(dir, record, selfPid);
  const adopt = plan.adopt.filter(mine);
  const settled = plan.settled.filter(mine);
  const kept = new Set(settled.map((record) => record.id));
  // A corrected end another lanes claimed is written back by that one.
  return { ...plan, adopt, settled, corrected: plan.corrected.filter((record) => kept.has(record.id)) };
}

/** Removes claims no lanes needs: their record changed owner since, or its result was delivered. */
export function sweepClaims(dir: string, records: readonly TaskRecord[]): void {
  const byId = new Map(records.map((record) => [record.id, record]));
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const match = CLAIM_NAME.exec(name);
    if (!match) continue;
    const record = byId.get(match[1] ?? "");
    const stale =
      !record || record.owner_pid !== Number(match[2]) || (isTerminal(record.status) && record.notified);
    if (stale) removeFile(join(dir, name));
  }
}

/** The recovery plan of a starting lanes: each dead owner's record goes to exactly one lanes. */
export function claimedRecovery(dir: string, records: TaskRecord[], selfPid: number): RecoveryPlan {
  // Before any claim: the sweep reads records as loaded, not as this lanes is about to change them.
  sweepClaims(dir, records);
  return claimPlan(dir, planRecovery(records, selfPid), selfPid);
}
