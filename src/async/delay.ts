import { setTimeout as wait } from "node:timers/promises";

/**
 * Waits `ms`. Resolves false as soon as `signal` aborts (or at once if it already has), true otherwise; the
 * timer goes with the abort, so an aborted wait keeps nothing alive. `unref`: the wait alone does not keep
 * the process running.
 */
export async function delay(
  ms: number,
  signal?: AbortSignal,
  options: { unref?: boolean } = {},
): Promise<boolean> {
  if (signal?.aborted) return false;
  try {
    await wait(ms, undefined, { signal, ref: options.unref !== true });
    return true;
  } catch (error) {
    if ((error as Error).name === "AbortError") return false;
    throw error;
  }
}

/** True when `promise` settled first, false on timeout or abort. The timer and listener clean up after. */
export async function raceTimeout(
  promise: Promise<unknown>,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<boolean> {
  if (signal?.aborted) return false;
  const settled = new AbortController();
  const stop = signal ? AbortSignal.any([signal, settled.signal]) : settled.signal;
  try {
    return await Promise.race([promise.then(() => true as const), delay(timeoutMs, stop).then(() => false)]);
  } finally {
    settled.abort();
  }
}
