/** True when `promise` settled first, false on timeout or abort. The timer and listener clean up after. */
export async function raceTimeout(
  promise: Promise<unknown>,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<boolean> {
  if (signal?.aborted) return false;
  let cleanup = (): void => {};
  const stop = new Promise<false>((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    const onAbort = (): void => resolve(false);
    signal?.addEventListener("abort", onAbort, { once: true });
    cleanup = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    };
  });
  try {
    return await Promise.race([promise.then(() => true as const), stop]);
  } finally {
    cleanup();
  }
}
