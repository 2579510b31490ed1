import type { DeliveryLedger } from "../delivery/ledger.js";
import type { TaskRecord } from "./task-record.js";

export type NotificationPriority = "immediate" | "high" | "medium" | "low";
/**
 * `carried`: a task an earlier lanes left running, told once at the start of a session. `restarted`: one an
 * earlier lanes queued and died before starting, started by this one. `pattern_failed`: notify_on was given
 * up on (its line says why); the task runs on.
 */
export type NotificationKind = "ended" | "stalled" | "matched" | "pattern_failed" | "carried" | "restarted";

/** A notice as data; the text the model reads is written by format.ts (noticeText). */
export interface Notification {
  taskId: string;
  kind: NotificationKind;
  priority: NotificationPriority;
  /** The task as it was when the notice was queued. */
  record: TaskRecord;
  /** The line that matched notify_on, the last line before a stall, or why notify_on was given up. */
  line?: string;
  /** How long the task had been silent (stalled). */
  silentMs?: number;
  /** What an undelivered match notice said when a later notice of the task replaced it (folding). */
  matched?: string;
  createdAt: number;
}

const RANK: Record<NotificationPriority, number> = { immediate: 0, high: 1, medium: 2, low: 3 };

/** Most urgent first; the ledger keeps push order within a priority. */
export function noticeOrder(a: Notification, b: Notification): number {
  return RANK[a.priority] - RANK[b.priority];
}

/** Folding keeps what the replaced notice said: "ready on :3000" is still news when the end arrives. */
export function foldNotice(older: Notification, newer: Notification): Notification {
  const matched = newer.matched ?? older.matched ?? (older.kind === "matched" ? older.line : undefined);
  return matched !== undefined && newer.kind !== "matched" ? { ...newer, matched } : newer;
}

/** What is pending in the ledger, for those who only look or wait (the REPL's wake, -p's idle wait). */
export class PendingNotices {
  private readonly waiters = new Set<() => void>();

  constructor(private readonly ledger: DeliveryLedger<Notification>) {}

  get size(): number {
    return this.ledger.pendingCount;
  }

  has(taskId: string): boolean {
    return this.ledger.isPending(taskId);
  }

  /** The ledger has something new pending: wake every waiter. */
  wake(): void {
    for (const wake of [...this.waiters]) wake();
  }

  /** Resolves true as soon as something is pending, false on timeout or abort. */
  waitForNext(timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (this.size > 0) return Promise.resolve(true);
    if (signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (value: boolean): void => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        signal?.removeEventListener("abort", onAbort);
        resolve(value);
      };
      const wake = (): void => done(true);
      const onAbort = (): void => done(false);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.waiters.add(wake);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }
}
