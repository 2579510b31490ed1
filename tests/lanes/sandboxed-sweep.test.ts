import { defaultSandbox } from "../helpers/default-sandbox.js";
import { afterEach, describe, expect, it } from "vitest";
import { findMarkedProcesses, markerScanCount } from "../../src/process/marked-processes.js";
import type { CommandSandbox } from "../../src/sandbox/sandbox.js";
import { warmHeldSandbox } from "../helpers/held-sandbox.js";
import { useLaneFixture } from "../helpers/lane-fixture.js";

// Issue 15: every task end was followed (batched, 200 ms) by a scan of every process's environment for ones
// that escaped the task's group. A command with a bubblewrap of its own has a pid namespace of its own, torn
// down when it ends, so nothing it started can outlive it: its end needs no scan. Commands that enter a held
// sandbox share its pid namespace: their ends are swept as unsandboxed ones are.

const ws = useLaneFixture();
let sandbox: CommandSandbox | undefined;
afterEach(() => {
  sandbox?.close();
  sandbox = undefined;
});

/** Past the sweeper's 200 ms batching, so any scan the ends asked for has started. */
const afterSweeps = () => new Promise((resolve) => setTimeout(resolve, 600));

function sandboxed(held?: false) {
  sandbox = defaultSandbox(ws.dir, held !== false);
  return ws.manager({ sandbox });
}

describe.runIf(process.platform === "linux")("the escape sweep after a task ends", () => {
  it("a task with a bubblewrap of its own: its end starts no /proc scan, and what it left running is gone", async () => {
    const lanes = sandboxed(false);
    const before = markerScanCount();
    const ended = await Promise.all(
      ["setsid sleep 30 & echo started", "true", "true"].map((command) =>
        lanes.whenEnded(lanes.start({ command }).id),
      ),
    );
    for (const record of ended) expect(record.exit_code).toBe(0);
    await afterSweeps();
    expect(markerScanCount() - before).toBe(0);
    const left = findMarkedProcesses(new Set(ended.map((record) => record.id)));
    expect(left).toEqual([]);
  }, 60_000);

  it("a task in a held sandbox: its end is swept, and what it left running in the background is gone", async () => {
    const lanes = sandboxed();
    expect(await warmHeldSandbox(lanes, ws.dir)).toBe(true);
    const before = markerScanCount();
    const ended = await Promise.all(
      ["setsid sleep 30 & echo started", "true"].map((command) =>
        lanes.whenEnded(lanes.start({ command }).id),
      ),
    );
    await afterSweeps();
    expect(markerScanCount() - before).toBeGreaterThan(0);
    expect(findMarkedProcesses(new Set(ended.map((record) => record.id)))).toEqual([]);
  }, 60_000);

  it("an unsandboxed task's end is still swept", async () => {
    const lanes = ws.manager();
    const before = markerScanCount();
    await lanes.whenEnded(lanes.start({ command: "true" }).id);
    await afterSweeps();
    expect(markerScanCount() - before).toBeGreaterThan(0);
  }, 60_000);
});
