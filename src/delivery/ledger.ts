/**
 * The one delivery ledger: every result reaches its reader exactly once, whatever carries it (a model
 * request, an MCP reply, a sub-agent's report). Plain data and one small class; no front-end types.
 *
 * A result is `pending`, then `carried` by one carrier, then `delivered` when that carrier is acked, or
 * `pending` again when it is nacked. A *final* result (a task's end) is remembered once delivered, so it is
 * never queued again; a non-final notice (progress) is forgotten once delivered or replaced.
 */
export type EntryState = "pending" | "carried" | "delivered";

export interface LedgerEntry<Notice> {
  taskId: string;
  /** What the reader is told; undefined for a result only a tool's own answer stated (claim). */
  notice: Notice | undefined;
  final: boolean;
  state: EntryState;
  carrier: string | undefined;
  /** Returned after a carrier that was written was then dropped: the reader may have seen it already. */
  mayRepeat: boolean;
  seq: number;
}

/** One notice a carrier now takes to the reader. */
export interface CarriedNotice<Notice> {
  taskId: string;
  notice: Notice;
  final: boolean;
  mayRepeat: boolean;
}

export interface LedgerOptions<Notice> {
  /** A newer pending notice replaces an older one of the same task: what it keeps of the old one. */
  fold?: (older: Notice, newer: Notice) => Notice;
  /** Order of pending notices (most urgent first); ties keep the order they were pushed in. */
  order?: (a: Notice, b: Notice) => number;
  /** Final results now delivered (persist `notified`). Called on ack only. Must not throw. */
  onDelivered?: (taskIds: string[]) => void;
  /** Delivered results returned to pending (persist `notified: false`). Must not throw. */
  onReopened?: (taskIds: string[]) => void;
  /** The notice of a final result a claim left without one, when it has to be queued again. */
  reissue?: (taskId: string) => Notice | undefined;
  /** Something became pending. Must not throw. */
  onPending?: () => void;
}

/** How many acked carriers are remembered, so a carrier dropped after it was written can still be nacked. */
const REMEMBERED_ACKS = 256;

export class DeliveryLedger<Notice> {
  private readonly entries: LedgerEntry<Notice>[] = [];
  private readonly acked = new Map<string, string[]>();
  private seq = 0;

  constructor(private readonly options: LedgerOptions<Notice> = {}) {}

  /**
   * Queues a notice. A final one is ignored when the task's result is already known (in any state); a
   * non-final one when the task's end is known or replaces the task's pending non-final notice.
   */
  push(taskId: string, notice: Notice, final: boolean): void {
    if (this.finalOf(taskId)) return;
    const older = this.entries.find((entry) => entry.taskId === taskId && entry.state === "pending");
    if (older) this.remove(older);
    const folded =
      older?.notice !== undefined && this.options.fold ? this.options.fold(older.notice, notice) : notice;
    this.entries.push(this.entry(taskId, folded, final, "pending"));
    this.options.onPending?.();
  }

  /** The pending notices in delivery order, not taken. */
  peek(): CarriedNotice<Notice>[] {
    return this.sorted(this.entries.filter((entry) => entry.state === "pending"));
  }

  /** Every pending notice (but those `skip` keeps back) now rides `carrierId`. Returns them in order. */
  take(carrierId: string, skip: (taskId: string) => boolean = () => false): CarriedNotice<Notice>[] {
    const taken = this.entries.filter((entry) => entry.state === "pending" && !skip(entry.taskId));
    for (const entry of taken) Object.assign(entry, { state: "carried", carrier: carrierId });
    return this.sorted(taken);
  }

  /**
   * A tool's own answer on `carrierId` states this task's result: it rides that carrier, and any pending
   * notice of the task is dropped. False when it is carried by another carrier or delivered already.
   */
  claim(taskId: string, carrierId: string): boolean {
    for (const entry of this.entries.filter((e) => e.taskId === taskId && !e.final && e.state === "pending"))
      this.remove(entry);
    const result = this.finalOf(taskId);
    if (!result) {
      this.entries.push({ ...this.entry(taskId, undefined, true, "carried"), carrier: carrierId });
      return true;
    }
    if (result.state === "pending") Object.assign(result, { state: "carried", carrier: carrierId });
    return result.state === "carried" && result.carrier === carrierId;
  }

  /** The carrier reached its reader: what it carries is delivered. */
  ack(carrierId: string): void {
    const carried = this.carriedBy(carrierId);
    const finals: string[] = [];
    for (const entry of carried) {
      if (!entry.final) this.remove(entry);
      else {
        Object.assign(entry, { state: "delivered", carrier: undefined, mayRepeat: false });
        finals.push(entry.taskId);
      }
    }
    if (carried.length === 0) return;
    this.acked.set(carrierId, finals);
    if (this.acked.size > REMEMBERED_ACKS) this.acked.delete(this.acked.keys().next().value as string);
    if (finals.length > 0) this.options.onDelivered?.(finals);
  }

  /**
   * The carrier never reached its reader, or its reader dropped it: what it carries is pending again. For
   * a carrier acked already, its results are reopened and marked as maybe repeated.
   */
  nack(carrierId: string): void {
    const carried = this.carriedBy(carrierId);
    for (const entry of carried) {
      const newer = this.entries.some(
        (e) => e !== entry && e.taskId === entry.taskId && e.state === "pending",
      );
      if (newer || (entry.notice === undefined && !this.reissueInto(entry))) this.remove(entry);
      else Object.assign(entry, { state: "pending", carrier: undefined });
    }
    const reopened: string[] = [];
    for (const taskId of this.acked.get(carrierId) ?? []) {
      const entry = this.finalOf(taskId);
      if (entry?.state !== "delivered" || (entry.notice === undefined && !this.reissueInto(entry))) continue;
      Object.assign(entry, { state: "pending", mayRepeat: true });
      reopened.push(taskId);
    }
    this.acked.delete(carrierId);
    if (reopened.length > 0) this.options.onReopened?.(reopened);
    if (carried.length > 0 || reopened.length > 0) this.options.onPending?.();
  }

  /**
   * The reader holds this result another way (a resumed conversation already contains it, or the user was
   * shown it): delivered, whatever its state.
   */
  settle(taskId: string): void {
    for (const entry of this.entries.filter((e) => e.taskId === taskId && !e.final)) this.remove(entry);
    const entry =
      this.finalOf(taskId) ??
      this.entries[this.entries.push(this.entry(taskId, undefined, true, "delivered")) - 1];
    if (!entry) return;
    Object.assign(entry, { state: "delivered", carrier: undefined, mayRepeat: false });
    this.options.onDelivered?.([taskId]);
  }

  /** The state of a task's final result; undefined when none is known. */
  stateOf(taskId: string): EntryState | undefined {
    return this.finalOf(taskId)?.state;
  }

  isPending(taskId: string): boolean {
    return this.entries.some((entry) => entry.taskId === taskId && entry.state === "pending");
  }

  get pendingCount(): number {
    return this.entries.filter((entry) => entry.state === "pending").length;
  }

  /** Carriers that hold something now (neither acked nor nacked yet). */
  openCarriers(): string[] {
    return [
      ...new Set(this.entries.flatMap((entry) => (entry.state === "carried" ? [entry.carrier ?? ""] : []))),
    ];
  }

  private entry(
    taskId: string,
    notice: Notice | undefined,
    final: boolean,
    state: EntryState,
  ): LedgerEntry<Notice> {
    return { taskId, notice, final, state, carrier: undefined, mayRepeat: false, seq: this.seq++ };
  }

  private finalOf(taskId: string): LedgerEntry<Notice> | undefined {
    return this.entries.find((entry) => entry.taskId === taskId && entry.final);
  }

  private carriedBy(carrierId: string): LedgerEntry<Notice>[] {
    return this.entries.filter((entry) => entry.state === "carried" && entry.carrier === carrierId);
  }

  private reissueInto(entry: LedgerEntry<Notice>): boolean {
    entry.notice = this.options.reissue?.(entry.taskId);
    return entry.notice !== undefined;
  }

  private remove(entry: LedgerEntry<Notice>): void {
    const index = this.entries.indexOf(entry);
    if (index >= 0) this.entries.splice(index, 1);
  }

  private sorted(entries: LedgerEntry<Notice>[]): CarriedNotice<Notice>[] {
    const order = this.options.order;
    return entries
      .filter((entry): entry is LedgerEntry<Notice> & { notice: Notice } => entry.notice !== undefined)
      .sort((a, b) => (order ? order(a.notice, b.notice) : 0) || a.seq - b.seq)
      .map(({ taskId, notice, final, mayRepeat }) => ({ taskId, notice, final, mayRepeat }));
  }
}
