import type { LaneEvents } from "./lane-events.js";
import type { WaitResult } from "./lane-types.js";
import { NotificationQueue, type Notification } from "./notification-queue.js";
import { raceTimeout } from "../async/delay.js";
import type { LiveTask, TaskRegistry } from "./task-registry.js";
import { isTerminal, type TaskRecord } from "./task-record.js";

/**
 * Which results reached the model: the notice queue, `notified` on the records, and what the model has read
 * of each log. Notices are data (format.ts writes their text).
 */
export class TaskDelivery {
  readonly notifications = new NotificationQueue();
  private readonly readCursors = new Map<string, number>();

  constructor(
    private readonly registry: TaskRegistry,
    private readonly events: LaneEvents,
  ) {}

  /** Queues a notice and tells listeners. */
  push(notice: Omit<Notification, "seq" | "createdAt">): void {
    const snapshot = { ...notice, record: { ...notice.record } };
    this.notifications.push(snapshot);
    this.events.emit({ type: "notification", notification: { ...snapshot, createdAt: Date.now(), seq: -1 } });
  }

  /** A task's one result notice. */
  queueEnded(record: TaskRecord): void {
    this.push({
      taskId: record.id,
      kind: "ended",
      priority: record.status === "completed" ? "medium" : "high",
      record,
    });
  }

  /** Persists `notified` for tasks whose results reached the model. */
  markDelivered(ids: string[]): void {
    for (const id of ids) {
      const task = this.registry.find(id);
      this.notifications.discard(id);
      if (!task || task.record.notified || !isTerminal(task.record.status)) continue;
      task.record.notified = true;
      this.registry.persist(task.record);
    }
  }

  /**
   * Takes the queued notices of tasks whose results a reply now states, without counting them delivered
   * yet: markDelivered once that reply reached the model, requeue if it never did.
   */
  withhold(ids: string[]): void {
    for (const id of ids) this.notifications.discard(id);
  }

  /** Queues again the results of ended tasks not yet delivered (their carrier conversation was dropped). */
  requeue(ids: string[]): void {
    for (const id of ids) {
      const record = this.registry.find(id)?.record;
      if (record && isTerminal(record.status) && !record.notified) this.queueEnded(record);
    }
  }

  /**
   * Blocks until any/all of the tasks ended, the timeout passes, or the signal aborts. Marks nothing
   * delivered: the reply stating these results may still be dropped, so its sender does that.
   */
  async wait(
    ids: string[],
    mode: "any" | "all",
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<WaitResult> {
    const tasks = ids
      .map((id) => this.registry.find(id))
      .filter((task): task is LiveTask => task !== undefined);
    const pending = tasks.filter((task) => !isTerminal(task.record.status)).map((task) => task.ended);
    let timedOut = false;
    if (pending.length > 0 && (mode === "all" || pending.length === tasks.length)) {
      const target = mode === "all" ? Promise.all(pending) : Promise.race(pending);
      timedOut = !(await raceTimeout(target, timeoutMs, signal));
    }
    return { ...this.handOver(ids), timedOut, others: [] };
  }

  /** The tasks' records as a wait returns them (nothing marked delivered: see wait). */
  handOver(ids: string[]): { ended: TaskRecord[]; running: TaskRecord[] } {
    const tasks = ids
      .map((id) => this.registry.find(id))
      .filter((task): task is LiveTask => task !== undefined);
    const ended = tasks.filter((task) => isTerminal(task.record.status)).map((task) => task.record);
    return {
      ended: ended.map((record) => ({ ...record })),
      running: tasks.filter((task) => !isTerminal(task.record.status)).map((task) => ({ ...task.record })),
    };
  }

  /** Read cursor for `check_background output="new"`: bytes of the log the model has already seen. */
  readCursor(id: string): number {
    return this.readCursors.get(id) ?? 0;
  }

  setReadCursor(id: string, offset: number): void {
    this.readCursors.set(id, offset);
  }
}
