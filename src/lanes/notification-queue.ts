export type NotificationPriority = "immediate" | "high" | "medium" | "low";
export type NotificationKind = "ended" | "stalled" | "matched";

export interface Notification {
  taskId: string;
  kind: NotificationKind;
  priority: NotificationPriority;
  /** One line for the `<background-results>` block. */
  text: string;
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
    this.pending.set(notice.taskId, { ...notice, createdAt: Date.now(), seq: this.seq++ });
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
