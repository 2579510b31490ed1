import { join } from "node:path";
import { DEFAULT_LANE_LIMIT, type LaneManagerOptions } from "./lane-types.js";
import { taskStillRuns } from "./reconcile.js";
import { SlotClaims, type SlotHolder } from "./slot-claims.js";
import type { TaskStore } from "./task-store.js";

/** How often tasks waiting for a slot another lanes holds look again. */
const CLAIM_POLL_MS = 250;

/**
 * Concurrency bookkeeping for named lanes: who runs, who waits, in arrival order. With claims, the limits
 * hold per workspace: a slot is also a file every lanes in the folder sees (slot-claims.ts), and a task
 * waiting for one another lanes holds starts (`onReady`) as soon as that one frees it.
 */
export class LaneSlots {
  private readonly running = new Map<string, Set<string>>();
  private readonly waiting = new Map<string, string[]>();
  private poller: NodeJS.Timeout | undefined;

  constructor(
    private readonly limits: Record<string, number>,
    private readonly defaultLimit: number,
    private readonly claims?: SlotClaims,
    private readonly onReady: (taskId: string) => void = () => {},
  ) {}

  limitOf(lane: string): number {
    // Own keys only: lane names come from the model, and `__proto__` or `constructor` must not read
    // Object.prototype (an object as a limit compares false, so the task would queue forever).
    return (Object.hasOwn(this.limits, lane) ? this.limits[lane] : undefined) ?? this.defaultLimit;
  }

  /** Takes a slot if one is free; otherwise the task joins the lane's queue and false is returned. */
  acquire(lane: string, taskId: string): boolean {
    if (this.take(lane, taskId)) return true;
    this.waitingIn(lane).push(taskId);
    this.watchWaiting();
    return false;
  }

  /** Counts an already-running task (moved in from the foreground) against its lane without queueing it. */
  occupy(lane: string, taskId: string): void {
    this.runningIn(lane).add(taskId);
    this.claims?.occupy(lane, taskId);
  }

  /**
   * Frees the task's slot and returns the id of the next waiting task, which now holds it; undefined when
   * the lane is still full (the task held no slot because it was killed while queued, an occupied slot had
   * pushed the lane over its limit, or another lanes in the workspace holds the slots).
   */
  release(lane: string, taskId: string): string | undefined {
    const running = this.runningIn(lane);
    running.delete(taskId);
    const queue = this.waitingIn(lane);
    const next = queue[0];
    // The next task of this lane takes over the freed slot's claim as it is (never past the limit).
    const limit = this.limitOf(lane);
    if (next !== undefined && running.size < limit && this.claims?.handOver(taskId, next, limit)) {
      running.add(next);
      queue.shift();
      return next;
    }
    this.claims?.release(taskId);
    if (next === undefined || !this.take(lane, next)) return undefined;
    queue.shift();
    return next;
  }

  /** The tasks holding the lane's slots, which a task queued in it waits for. */
  holders(lane: string): SlotHolder[] {
    const limit = this.limitOf(lane);
    if (this.claims) return this.claims.holders(lane, limit);
    return [...this.runningIn(lane)].map((taskId) => ({ taskId, owner: "self" as const }));
  }

  /** Removes a waiting task (killed before it started). */
  dequeue(lane: string, taskId: string): boolean {
    const queue = this.waitingIn(lane);
    const index = queue.indexOf(taskId);
    if (index === -1) return false;
    queue.splice(index, 1);
    return true;
  }

  /** Stops looking for slots freed by other lanes (this one is shutting down). */
  stop(): void {
    clearInterval(this.poller);
    this.poller = undefined;
  }

  private take(lane: string, taskId: string): boolean {
    const running = this.runningIn(lane);
    const limit = this.limitOf(lane);
    if (running.size >= limit) return false;
    if (this.claims && !this.claims.claim(lane, taskId, limit)) return false;
    running.add(taskId);
    return true;
  }

  /** Only with claims: another lanes frees its slots without telling this one, so waiting tasks look. */
  private watchWaiting(): void {
    if (!this.claims || this.poller) return;
    this.poller = setInterval(() => {
      let waiting = 0;
      for (const [lane, queue] of this.waiting) {
        while (queue.length > 0 && this.take(lane, queue[0]!)) this.onReady(queue.shift()!);
        waiting += queue.length;
      }
      if (waiting === 0) this.stop();
    }, CLAIM_POLL_MS);
    this.poller.unref();
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

/**
 * Slots as files in the workspace, so the limits hold for every lanes in it (a REPL and `lanes mcp`), and
 * for a persisted task after its lanes exits: its record in `store` says whether it still runs.
 */
export function workspaceSlots(
  store: TaskStore,
  options: Pick<LaneManagerOptions, "laneLimits" | "defaultLaneLimit"> & { ownerPid: number },
  onReady: (taskId: string) => void,
): LaneSlots {
  const taskRuns = (taskId: string): boolean => {
    const record = store.find(taskId);
    return record !== undefined && taskStillRuns(record, options.ownerPid);
  };
  const claims = new SlotClaims(join(store.lanesDir, "slots"), taskRuns, options.ownerPid);
  return new LaneSlots(
    options.laneLimits ?? {},
    options.defaultLaneLimit ?? DEFAULT_LANE_LIMIT,
    claims,
    onReady,
  );
}
