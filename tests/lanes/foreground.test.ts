import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runForeground, type ForegroundRequest } from "../../src/lanes/foreground.js";
import type { LaneManager, LaneManagerOptions } from "../../src/lanes/lane-manager.js";
import { processGone, readPid } from "../fixtures/process-state.js";
import { useLaneFixture } from "../helpers/lane-fixture.js";
import { eventually, sleep } from "../helpers/temp-workspace.js";

const ws = useLaneFixture();

function manager(options: Partial<LaneManagerOptions> = {}): LaneManager {
  return ws.manager(options);
}

function run(m: LaneManager, request: Omit<ForegroundRequest, "signal"> & { signal?: AbortSignal }) {
  return runForeground(m, { signal: new AbortController().signal, ...request });
}

describe("foreground runner", () => {
  it("finishes a command with its exit code and its output in a file under .lanes/outputs", async () => {
    const m = manager();
    const outcome = await run(m, { command: "echo hi; exit 5" });
    expect(outcome.kind).toBe("finished");
    if (outcome.kind !== "finished") return;
    expect(outcome.result).toMatchObject({ exitCode: 5, reason: "exit" });
    expect(outcome.leftovers).toBe("none");
    expect(outcome.outputFile.startsWith(join(ws.dir, ".lanes", "outputs"))).toBe(true);
    expect(readFileSync(outcome.outputFile, "utf8")).toBe("hi\n");
  });

  it("does not call a group it killed at the timeout leftovers, nor adopt it", async () => {
    const m = manager();
    const started = Date.now();
    const outcome = await run(m, { command: "sleep 30 & sleep 30", timeoutMs: 300, keepLeftovers: true });
    expect(outcome.kind === "finished" && outcome.result.reason).toBe("timeout");
    expect(outcome.kind === "finished" && outcome.leftovers).toBe("none");
    expect(m.list()).toEqual([]);
    // Far below the 30 s sleeps: it ended at the timeout instead of waiting for them.
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("does not call a group it killed on abort leftovers", async () => {
    const m = manager();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const outcome = await run(m, { command: "sleep 30; echo never", signal: controller.signal });
    expect(outcome.kind === "finished" && outcome.result.reason).toBe("killed");
    expect(outcome.kind === "finished" && outcome.leftovers).toBe("none");
  });

  it("moves a long command into a lane whose log keeps the output from before and after the move", async () => {
    const m = manager();
    const outcome = await run(m, {
      command: "echo before; until [ -e go ]; do sleep 0.05; done; echo after",
      backgroundAfterMs: 150,
    });
    expect(outcome.kind).toBe("backgrounded");
    if (outcome.kind !== "backgrounded") return;
    expect(existsSync(outcome.outputFile)).toBe(true);
    writeFileSync(join(ws.dir, "go"), "");
    const final = await m.whenEnded(outcome.record.id);
    expect(final.status).toBe("completed");
    expect(readFileSync(final.output_file, "utf8")).toBe("before\nafter\n");
  });

  it("ends what a command moved to a lane left running (cmd &) once it finishes", async () => {
    const m = manager();
    const pidFile = join(ws.dir, "left.pid");
    const outcome = await run(m, {
      command: `until [ -e go ]; do sleep 0.05; done; sleep 30 & echo $! > ${pidFile}`,
      backgroundAfterMs: 100,
    });
    expect(outcome.kind).toBe("backgrounded");
    if (outcome.kind !== "backgrounded") return;
    writeFileSync(join(ws.dir, "go"), "");
    const final = await m.whenEnded(outcome.record.id);
    expect(final.status).toBe("completed");
    const leftover = readPid(pidFile) ?? 0;
    expect(leftover).toBeGreaterThan(0);
    // Nothing tracks it any more: a survivor here would be an invisible orphan.
    expect(await eventually(() => processGone(leftover), 5_000)).toBe(true);
  });

  it("runs a command moved to a full lane only once", async () => {
    const m = manager({ defaultLaneLimit: 1 });
    const blocker = m.start({ command: "sleep 0.3" });
    const countFile = join(ws.dir, "count.txt");
    const outcome = await run(m, { command: `echo run >> ${countFile}; sleep 0.6`, backgroundAfterMs: 100 });
    expect(outcome.kind).toBe("backgrounded");
    await m.whenEnded(blocker.id);
    if (outcome.kind === "backgrounded") await m.whenEnded(outcome.record.id);
    await sleep(300);
    expect(readFileSync(countFile, "utf8")).toBe("run\n");
  });
});
