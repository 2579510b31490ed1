const pause = new Int32Array(new SharedArrayBuffer(4));

/** Blocks the thread for `ms` (for code that must not return to the event loop: start-up, exit handlers). */
export function sleepSync(ms: number): void {
  Atomics.wait(pause, 0, 0, ms);
}

/** Polls `done` every `everyMs` (blocking) until it holds, at most `timeoutMs`; whether it held. */
export function waitUntilSync(done: () => boolean, timeoutMs: number, everyMs = 1): boolean {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (done()) return true;
    if (Date.now() >= deadline) return false;
    sleepSync(everyMs);
  }
}
