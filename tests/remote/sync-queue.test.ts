import { describe, expect, it } from "vitest";
import { SyncQueue } from "../../src/remote/sync-queue.js";

// Two tasks of one SSH lane started together synced into the same host folder at once, and one failed:
// `rsync: [Receiver] mkdir ".../ws-99abc79393" failed: File exists (17)` (tests/remote/ssh-lane-kill, CI).

function deferred() {
  let resolve!: (ms: number) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<number>((yes, no) => ((resolve = yes), (reject = no)));
  return { promise, resolve, reject };
}

/** Syncs that end only when the test says, counting how many run at once. */
function fakeSyncs() {
  const runs: ReturnType<typeof deferred>[] = [];
  let running = 0;
  let most = 0;
  const sync = () => {
    running++;
    most = Math.max(most, running);
    const run = deferred();
    runs.push(run);
    return run.promise.finally(() => running--);
  };
  return { sync, runs, most: () => most };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("one workspace sync at a time per host folder", () => {
  it("runs one at a time; the requests made while one runs share the next, which starts after it", async () => {
    const queue = new SyncQueue();
    const { sync, runs, most } = fakeSyncs();
    const first = queue.run("host:/ws", sync);
    await tick();
    const [second, third] = [queue.run("host:/ws", sync), queue.run("host:/ws", sync)];
    await tick();
    expect(runs.length).toBe(1);
    runs[0]!.resolve(10);
    expect(await first).toBe(10);
    await tick();
    expect(runs.length).toBe(2);
    runs[1]!.resolve(20);
    expect([await second, await third]).toEqual([20, 20]);
    expect(most()).toBe(1);
  });

  it("syncs to another folder or host at the same time", async () => {
    const queue = new SyncQueue();
    const { sync, runs, most } = fakeSyncs();
    const both = [
      queue.run("host:/ws-a", sync),
      queue.run("other:/ws-a", sync),
      queue.run("host:/ws-b", sync),
    ];
    await tick();
    expect(most()).toBe(3);
    for (const run of runs) run.resolve(1);
    expect(await Promise.all(both)).toEqual([1, 1, 1]);
  });

  it("a failed sync fails only its own requests; the next request syncs afresh", async () => {
    const queue = new SyncQueue();
    const { sync, runs } = fakeSyncs();
    const failing = queue.run("host:/ws", sync);
    await tick();
    runs[0]!.reject(new Error("unreachable"));
    await expect(failing).rejects.toThrow("unreachable");
    const next = queue.run("host:/ws", sync);
    await tick();
    runs[1]!.resolve(5);
    expect(await next).toBe(5);
  });

  it("a sync aborted by the kill of the task that asked for it is asked again by a task that shared it", async () => {
    const queue = new SyncQueue();
    const { sync, runs } = fakeSyncs();
    const killed = new AbortController();
    const running = queue.run("host:/ws", sync);
    await tick();
    const asker = queue.run("host:/ws", sync, killed.signal);
    const sharer = queue.run("host:/ws", sync, new AbortController().signal);
    runs[0]!.resolve(1);
    await running;
    await tick();
    killed.abort();
    runs[1]!.reject(new Error("aborted"));
    await expect(asker).rejects.toThrow("aborted");
    await tick();
    expect(runs.length).toBe(3);
    runs[2]!.resolve(7);
    expect(await sharer).toBe(7);
  });
});
