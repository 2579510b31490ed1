import { deriveTasks } from "./reconcile.js";
import { isTerminal, type TaskRecord } from "./task-record.js";

/** What a starting lanes does with the records it finds, decided by the reconcile every view uses. */
export interface RecoveryPlan {
  /** Still running with their lanes gone: to be watched by this one. */
  adopt: TaskRecord[];
  /** Ended while no lanes watched (the derived end is to be written back): completed/failed, or lost. */
  corrected: TaskRecord[];
  /** Ended records to list again: the corrected ones and any whose result was never delivered. */
  settled: TaskRecord[];
  /** Recorded as ended already (killed at shutdown, timed out, exited): none of their processes may run. */
  ended: TaskRecord[];
  /** Still queued (or recorded running but never started) when their lanes died: this one starts them. */
  restart: TaskRecord[];
}

export function planRecovery(records: TaskRecord[], selfPid: number): RecoveryPlan {
  const plan: RecoveryPlan = { adopt: [], corrected: [], settled: [], ended: [], restart: [] };
  for (const { record, owner, corrected } of deriveTasks(records, selfPid)) {
    // Another lanes that is alive owns its records, delivered or not: taking them over would deliver its
    // results to a second model and watch its tasks twice.
    if (owner === "alive") continue;
    if (!isTerminal(record.status)) {
      if (owner !== "gone") continue;
      if (record.status === "queued") plan.restart.push(record);
      else if (record.pid !== null || record.remote !== undefined) plan.adopt.push(record);
      continue;
    }
    if (corrected) plan.corrected.push(record);
    else plan.ended.push(record);
    if (corrected || !record.notified) plan.settled.push(record);
  }
  return plan;
}

/** What `recover()` found: ids by what became of them (ended and lost: their results are delivered now). */
export interface Recovery {
  adopted: string[];
  /** Queued by a lanes that died before starting them: started (or queued) again by this one. */
  restarted: string[];
  recovered: string[];
  lost: string[];
}

export function recoverySummary(plan: RecoveryPlan): Recovery {
  const ids = (records: TaskRecord[]): string[] => records.map((record) => record.id);
  return {
    adopted: ids(plan.adopt),
    restarted: ids(plan.restart),
    // Every end whose result this lanes now delivers, also one a `lanes tasks` already wrote back.
    recovered: ids(plan.settled.filter((record) => record.status !== "lost")),
    lost: ids(plan.settled.filter((record) => record.status === "lost")),
  };
}
