import { DeliveryLedger } from "../delivery/ledger.js";
import type { LaneEvents } from "./lane-events.js";
import { foldNotice, noticeOrder, PendingNotices, type Notification } from "./notification-queue.js";
import type { TaskRegistry } from "./task-registry.js";
import { isTerminal, type TaskRecord } from "./task-record.js";

/**
 * The lane manager's side of delivery: it puts notices into the one ledger (src/delivery) and keeps the
 * records' `notified` in step with it (written on ack only). Front ends carry what the ledger hands them.
 */
export class TaskDelivery {
  readonly ledger: DeliveryLedger<Notification>;
  readonly pending: PendingNotices;
  private readonly readCursors = new Map<string, number>();
  private drains = 0;

  constructor(
    private readonly registry: TaskRegistry,
    private readonly events: LaneEvents,
  ) {
    this.ledger = new DeliveryLedger<Notification>({
      fold: foldNotice,
      order: noticeOrder,
      onDelivered: (ids) => this.persistNotified(ids, true),
      onReopened: (ids) => this.persistNotified(ids, false),
      reissue: (id) => this.reissue(id),
      onPending: () => this.pending.wake(),
    });
    this.pending = new PendingNotices(this.ledger);
  }

  /** Queues a notice and tells listeners; a task whose end the ledger knows already gets no more. */
  push(notice: Omit<Notification, "createdAt">): void {
    if (this.ledger.stateOf(notice.taskId) !== undefined) return;
    const snapshot: Notification = { ...notice, record: { ...notice.record }, createdAt: Date.now() };
    this.ledger.push(notice.taskId, snapshot, notice.kind === "ended");
    this.events.emit({ type: "notification", notification: snapshot });
  }

  /**
   * Takes what is pending onto a carrier of its own that is never acked: the caller shows it and calls
   * markDelivered for what it counts delivered (a one-shot reader; tests).
   */
  drain(): Notification[] {
    return this.ledger.take(`drain:${this.drains++}`).map((carried) => carried.notice);
  }

  /** A task's one result notice. */
  queueEnded(record: TaskRecord): void {
    this.push(endedNotice(record));
  }

  /** These ended tasks' results reached the reader another way (shown to the user, or already in the conversation). */
  markDelivered(ids: string[]): void {
    for (const id of ids) {
      const record = this.registry.find(id)?.record;
      if (record && isTerminal(record.status)) this.ledger.settle(id);
    }
  }

  /** Read cursor for `check_background output="new"`: bytes of the log the model has already seen. */
  readCursor(id: string): number {
    return this.readCursors.get(id) ?? 0;
  }

  setReadCursor(id: string, offset: number): void {
    this.readCursors.set(id, offset);
  }

  private reissue(id: string): Notification | undefined {
    const record = this.registry.find(id)?.record;
    return record && isTerminal(record.status)
      ? { ...endedNotice(record), createdAt: Date.now() }
      : undefined;
  }

  private persistNotified(ids: string[], notified: boolean): void {
    for (const id of ids) {
      const task = this.registry.find(id);
      if (!task || !isTerminal(task.record.status) || task.record.notified === notified) continue;
      task.record.notified = notified;
      this.registry.persist(task.record);
    }
  }
}

function endedNotice(record: TaskRecord): Omit<Notification, "createdAt"> {
  return {
    taskId: record.id,
    kind: "ended",
    priority: record.status === "completed" ? "medium" : "high",
    record,
  };
}
