import { deriveTasks } from "./reconcile.js";
import { isTerminal, type TaskRecord } from "./task-record.js";
import type { TaskStore } from "./task-store.js";

/** A task of this workspace that another lanes process started: read through the reconcile, never held. */
export interface OtherTask {
  record: TaskRecord;
  /** Its lanes has exited (a detached `lanes run`, a crash): no session watches it until one adopts it. */
  ownerGone: boolean;
}

/** What `lanes tasks` lists without `--all`: tasks not ended yet, and ended ones whose result is undelivered. */
export function listedByDefault(record: TaskRecord): boolean {
  return !isTerminal(record.status) || !record.notified;
}

/**
 * The workspace's tasks that belong to another lanes (another REPL, `lanes mcp`, a detached `lanes run`),
 * derived by the read-only reconcile `lanes tasks` uses: nothing is written, adopted or marked delivered,
 * so their results still reach the session that owns them (or the next lanes to start).
 */
export class OtherTasks {
  constructor(
    private readonly store: TaskStore,
    private readonly isOwn: (id: string) => boolean,
    /** This runtime's owner pid: its records are "self", never another lanes'. */
    private readonly selfPid: number,
  ) {}

  /** The ones `lanes tasks` shows by default, oldest first. */
  list(): OtherTask[] {
    return this.derive(this.store.loadAll().records)
      .filter((task) => listedByDefault(task.record))
      .sort((a, b) => a.record.created_at.localeCompare(b.record.created_at));
  }

  /** One task by id, whatever its status; undefined when it is this session's or does not exist. */
  find(id: string): OtherTask | undefined {
    return this.findMany([id]).get(id);
  }

  /** Several by id (only their records are read: a wait polls this). */
  findMany(ids: readonly string[]): Map<string, OtherTask> {
    const records = ids
      .filter((id) => !this.isOwn(id))
      .map((id) => this.store.find(id))
      .filter((record): record is TaskRecord => record !== undefined);
    return new Map(this.derive(records).map((task) => [task.record.id, task]));
  }

  private derive(records: TaskRecord[]): OtherTask[] {
    return deriveTasks(
      records.filter((record) => !this.isOwn(record.id)),
      this.selfPid,
    )
      .filter((task) => task.owner !== "self")
      .map(({ record, owner }) => ({ record, ownerGone: owner === "gone" }));
  }
}
