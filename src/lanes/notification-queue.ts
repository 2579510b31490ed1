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
  seq: number;
}

const RANK: Record<NotificationPriority, number> = { immediate: 0, high: 1, medium: 2, low: 3 };

/**
 * Pending notices for the model. One pending notice per task: a newer one replaces an older undelivered one
 * (a "ready" match folded under the task's end). Drained in priority order, oldest first within a priority.
 */
export class NotificationQueue {
  private readonly pending = new Map<string, Notification>();
  private readonly waiters = new Set<() => void>();
  private seq = 0;

  push(notice: Omit<Notification, "seq" | "createdAt">): void {
    const replaced = this.pending.get(notice.taskId);
    // Folding keeps what the replaced notice said: "ready on :3000" is still news when the end arrives.
    const matched =
      notice.matched ?? replaced?.matched ?? (replaced?.kind === "matched" ? replaced.line : undefined);
    const next: Notification = { ...notice, createdAt: Date.now(), seq: this.seq++ };
    if (matched !== undefined && notice.kind !== "matched") next.matched = matched;
    this.pending.set(notice.taskId, next);
    for (const wake of [...this.waiters]) wake();
  }

  /** Removes and returns everything pending, most urgent first. Returns [] when empty. */
  drain(): Notification[] {
    const all = [...this.pending.values()].sort(
      (a, b) => RANK[a.priority] - RANK[b.priority] || a.seq - b.seq,
    );
    this.pending.clear();
    return all;
  }

  /** Drops a task's pending notice (its result reached the model another way, e.g. wait_background). */
  discard(taskId: string): void {
    this.pending.delete(taskId);
  }

  has(taskId: string): boolean {
    return this.pending.has(taskId);
  }

  get size(): number {
    return this.pending.size;
  }

  /** Resolves true as soon as something is pending, false on timeout or abort. */
  waitForNext(timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (this.pending.size > 0) return Promise.resolve(true);
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
