import { delay } from "../async/delay.js";

/** How long an idle wake holds a result for others landing about the same time (the example). */
export const SETTLE = { quietMs: 50, maxMs: 250 };

export interface SettleSource {
  /** Calls back on every result (or notice) that lands; returns the unsubscribe. */
  onLanding(callback: () => void): () => void;
  /** Whether anything that could still land is running. */
  stillRunning(): boolean;
}

/**
 * After a result woke the idle loop: wait for others landing about the same time, so results that land
 * within a few milliseconds of each other reach the model in one call. Returns once `quietMs` passed with
 * no new landing, or `maxMs` since the call, or at once when nothing that could land is left running: a lone
 * result is not held back, and a burst costs at most `maxMs`.
 */
export async function settle(source: SettleSource, signal: AbortSignal, limits = SETTLE): Promise<void> {
  const started = Date.now();
  let last = started;
  let wake: (() => void) | undefined;
  const unsubscribe = source.onLanding(() => {
    last = Date.now();
    wake?.();
  });
  try {
    while (!signal.aborted && source.stillRunning()) {
      const now = Date.now();
      const until = Math.min(last + limits.quietMs, started + limits.maxMs);
      if (now >= until) return;
      // Woken early by a landing: it may have been the last task running, and then there is no wait left.
      const landed = new AbortController();
      wake = () => landed.abort();
      await delay(until - now, AbortSignal.any([signal, landed.signal]));
      wake = undefined;
    }
  } finally {
    unsubscribe();
  }
}
