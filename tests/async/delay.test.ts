import { expect, it } from "vitest";
import { delay, raceTimeout } from "../../src/async/delay.js";
import { deferred } from "../../src/async/deferred.js";

const timers = (): number => process.getActiveResourcesInfo().filter((kind) => kind === "Timeout").length;

// One timer-plus-abort helper and one deferred, used by the model's backoff, the runtime's waits and the
// process module: each resolves as promised and leaves no timer behind.

it("delay resolves true after its time, false at once when the signal is already aborted", async () => {
  expect(await delay(5)).toBe(true);
  expect(await delay(60_000, AbortSignal.abort())).toBe(false);
});

it("delay resolves false as soon as its signal aborts, long before its time, and leaves no timer running", async () => {
  const before = timers();
  const controller = new AbortController();
  const started = Date.now();
  const waiting = delay(60_000, controller.signal);
  setTimeout(() => controller.abort(), 10);
  expect(await waiting).toBe(false);
  expect(Date.now() - started).toBeLessThan(30_000);
  expect(timers()).toBe(before);
});

it("raceTimeout: true when the promise settles first, false on timeout or abort; no timer is left either way", async () => {
  const before = timers();
  expect(await raceTimeout(Promise.resolve(), 60_000)).toBe(true);
  expect(await raceTimeout(new Promise(() => {}), 5)).toBe(false);
  const controller = new AbortController();
  const racing = raceTimeout(new Promise(() => {}), 60_000, controller.signal);
  controller.abort();
  expect(await racing).toBe(false);
  expect(await raceTimeout(Promise.resolve(), 60_000, AbortSignal.abort())).toBe(false);
  expect(timers()).toBe(before);
});

it("deferred settles its promise once with the first value", async () => {
  const later = deferred<number>();
  later.resolve(1);
  later.resolve(2);
  expect(await later.promise).toBe(1);
});
