import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runForeground } from "../../src/lanes/foreground.js";
import type { LaneManager } from "../../src/lanes/lane-manager.js";
import { processGone, readPid } from "../fixtures/process-state.js";
import { useLaneFixture } from "../helpers/lane-fixture.js";
import { eventually } from "../helpers/temp-workspace.js";

const ws = useLaneFixture();

/** A blocking bash call in flight whose command started a child; resolves once the child's pid is known. */
async function blockingCall(lanes: LaneManager) {
  const pidFile = join(ws.dir, "child.pid");
  const call = runForeground(lanes, {
    command: `sleep 300 & echo $! > ${pidFile}; wait`,
    signal: new AbortController().signal,
    backgroundAfterMs: 60_000,
  });
  expect(await eventually(() => readPid(pidFile) !== undefined)).toBe(true);
  return { call, child: readPid(pidFile) ?? 0 };
}

describe("a foreground command when lanes ends", () => {
  it("is ended by shutdown, with its children, while the blocking call is still in flight", async () => {
    const lanes = ws.manager();
    const { call, child } = await blockingCall(lanes);
    await lanes.shutdown();
    const outcome = await call;
    expect(outcome.kind).toBe("finished");
    if (outcome.kind === "finished") expect(outcome.result.reason).toBe("shutdown");
    expect(await eventually(() => processGone(child), 5_000)).toBe(true);
  });

  it("is killed by the synchronous exit path too", async () => {
    const lanes = ws.manager();
    const { call, child } = await blockingCall(lanes);
    lanes.shutdownSync();
    await call;
    expect(await eventually(() => processGone(child), 5_000)).toBe(true);
  });
});
