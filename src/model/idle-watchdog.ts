/** What one streamed attempt gets from the watchdog. */
export interface IdleWatch {
  /** Give this to the SDK call: it aborts when the caller aborts or the server goes quiet. */
  readonly signal: AbortSignal;
  /** Call on every piece of data from the server: it starts the quiet period over. */
  readonly touch: () => void;
}

/**
 * Runs one streamed attempt that ends itself when the server sends nothing for `idleMs`, before or during
 * the stream (SDK timeouts stop at headers). An attempt the watchdog ended, not the caller, rejects with
 * `timeoutError`, which each provider builds from its own SDK so that its classifier sees a timeout.
 */
export async function withIdleWatchdog<T>(
  idleMs: number,
  callerSignal: AbortSignal | undefined,
  timeoutError: (message: string) => Error,
  attempt: (watch: IdleWatch) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const abort = (): void => controller.abort();
  callerSignal?.addEventListener("abort", abort, { once: true });
  let idle = false;
  let timer: NodeJS.Timeout | undefined;
  const touch = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      idle = true;
      controller.abort();
    }, idleMs);
  };
  touch();
  try {
    return await attempt({ signal: controller.signal, touch });
  } catch (error) {
    if (idle && !callerSignal?.aborted) throw timeoutError(`no data from the server for ${idleMs} ms`);
    throw error;
  } finally {
    clearTimeout(timer);
    callerSignal?.removeEventListener("abort", abort);
  }
}
