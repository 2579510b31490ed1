/** A step of a task's start where a test can hold lanes, to SIGKILL it exactly there. */
export type PauseStep = "after-record" | "after-spawn";

/**
 * Test-only: with LANES_TEST_PAUSE_AT=<step>, lanes blocks (the whole thread, no event runs) at that step
 * until it is killed, so a crash there is reproduced exactly. Unset, this costs one lookup.
 */
export function pauseAt(step: PauseStep): void {
  if (process.env.LANES_TEST_PAUSE_AT !== step) return;
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 600_000);
}
