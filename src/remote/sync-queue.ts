/** A sync not started yet, with the signal of the task that asked for it (its kill aborts it). */
interface Waiting {
  sync: Promise<number>;
  signal: AbortSignal | undefined;
}

/** A target's queue: the sync still waiting its turn, if any, and the end of the last one asked for. */
interface Slot {
  waiting: Waiting | undefined;
  last: Promise<unknown>;
}

/**
 * One sync at a time per target (a host's folder for this workspace). Two rsyncs into the same folder at once
 * race: both make the folder, and one fails ("mkdir ... failed: File exists"), or one deletes what the other
 * is writing. A request made while a sync runs waits for it and then gets one of its own, which every request
 * made meanwhile shares: it starts after all of them, so it copies what each of them saw.
 */
export class SyncQueue {
  private readonly targets = new Map<string, Slot>();

  run(target: string, sync: () => Promise<number>, signal?: AbortSignal): Promise<number> {
    const entry = this.targets.get(target);
    if (entry?.waiting) return this.join(entry.waiting, target, sync, signal);
    const mine = (entry?.last ?? Promise.resolve()).then(() => {
      slot.waiting = undefined;
      return sync();
    });
    const slot: Slot = { waiting: { sync: mine, signal }, last: mine.catch(() => undefined) };
    this.targets.set(target, slot);
    void slot.last.then(() => {
      if (this.targets.get(target) === slot) this.targets.delete(target);
    });
    return mine;
  }

  /** Shares a sync another task asked for; if that task's kill aborted it, asks for one of its own. */
  private async join(
    waiting: Waiting,
    target: string,
    sync: () => Promise<number>,
    signal: AbortSignal | undefined,
  ): Promise<number> {
    try {
      return await waiting.sync;
    } catch (error) {
      if (waiting.signal?.aborted !== true || signal?.aborted === true) throw error;
      return this.run(target, sync, signal);
    }
  }
}
