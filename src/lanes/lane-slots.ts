/** Concurrency bookkeeping for named lanes: who runs, who waits, in arrival order. */
export class LaneSlots {
  private readonly running = new Map<string, Set<string>>();
  private readonly waiting = new Map<string, string[]>();

  constructor(
    private readonly limits: Record<string, number>,
    private readonly defaultLimit: number,
  ) {}

  limitOf(lane: string): number {
    // Own keys only: lane names come from the model, and `__proto__` or `constructor` must not read
    // Object.prototype (an object as a limit compares false, so the task would queue forever).
    return (Object.hasOwn(this.limits, lane) ? this.limits[lane] : undefined) ?? this.defaultLimit;
  }

  /** Takes a slot if one is free; otherwise the task joins the lane's queue and false is returned. */
  acquire(lane: string, taskId: string): boolean {
    const running = this.runningIn(lane);
    if (running.size < this.limitOf(lane)) {
      running.add(taskId);
      return true;
    }
    this.waitingIn(lane).push(taskId);
    return false;
  }

  /** Counts an already-running task (moved in from the foreground) against its lane without queueing it. */
  occupy(lane: string, taskId: string): void {
    this.runningIn(lane).add(taskId);
  }

  /**
   * Frees the task's slot and returns the id of the next waiting task, which now holds it; undefined when
   * the lane is still full (the task held no slot because it was killed while queued, or an occupied slot
   * had pushed the lane over its limit).
   */
  release(lane: string, taskId: string): string | undefined {
    const running = this.runningIn(lane);
    running.delete(taskId);
    if (running.size >= this.limitOf(lane)) return undefined;
    const next = this.waitingIn(lane).shift();
    if (next !== undefined) running.add(next);
    return next;
  }

  /** Removes a waiting task (killed before it started). */
  dequeue(lane: string, taskId: string): boolean {
    const queue = this.waitingIn(lane);
    const index = queue.indexOf(taskId);
    if (index === -1) return false;
    queue.splice(index, 1);
    return true;
  }

  private runningIn(lane: string): Set<string> {
    let set = this.running.get(lane);
    if (!set) this.running.set(lane, (set = new Set()));
    return set;
  }

  private waitingIn(lane: string): string[] {
    let queue = this.waiting.get(lane);
    if (!queue) this.waiting.set(lane, (queue = []));
    return queue;
  }
}
