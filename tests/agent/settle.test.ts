import { describe, expect, it } from "vitest";
import { settle, SETTLE, type SettleSource } from "../../src/agent/settle.js";

/** A source whose landings the test fires by hand. */
function source(running: () => boolean): SettleSource & { land(): void } {
  const callbacks = new Set<() => void>();
  return {
    onLanding: (callback) => (callbacks.add(callback), () => callbacks.delete(callback)),
    stillRunning: running,
    land: () => callbacks.forEach((callback) => callback()),
  };
}

/** Limits so long that returning early can only be the behaviour under test, never a timer running out. */
const LONG = { quietMs: 10_000, maxMs: 10_000 };

async function timed(body: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await body();
  return performance.now() - started;
}

describe("the settle window", () => {
  it("holds nothing when no task is left that could land", async () => {
    const ms = await timed(() =>
      settle(
        source(() => false),
        new AbortController().signal,
      ),
    );
    expect(ms).toBeLessThan(SETTLE.quietMs);
  });

  it("waits the quiet time when others still run but none lands", async () => {
    const ms = await timed(() =>
      settle(
        source(() => true),
        new AbortController().signal,
      ),
    );
    expect(ms).toBeGreaterThanOrEqual(SETTLE.quietMs - 1);
    expect(ms).toBeLessThan(SETTLE.maxMs);
  });

  it("ends as soon as the last running task lands", async () => {
    let running = true;
    const tasks = source(() => running);
    const held = timed(() => settle(tasks, new AbortController().signal, LONG));
    setTimeout(() => {
      running = false;
      tasks.land();
    }, 5);
    expect(await held).toBeLessThan(1_000);
  });

  it("stops at the bound however many keep landing, and on abort", async () => {
    const tasks = source(() => true);
    const ticker = setInterval(() => tasks.land(), 10);
    const ms = await timed(() => settle(tasks, new AbortController().signal));
    clearInterval(ticker);
    expect(ms).toBeGreaterThanOrEqual(SETTLE.maxMs - 1);
    expect(ms).toBeLessThan(SETTLE.maxMs + 200);
    const aborting = new AbortController();
    setTimeout(() => aborting.abort(), 5);
    expect(
      await timed(() =>
        settle(
          source(() => true),
          aborting.signal,
        ),
      ),
    ).toBeLessThan(SETTLE.quietMs);
  });
});
