import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startGroupProcess, type GroupProcessOptions } from "../../src/process/group-process.js";
import { useProcessMarker } from "../helpers/process-marker.js";
import { eventually, pidAlive, tempWorkspace } from "../helpers/temp-workspace.js";

// Every command carries this test's mark, so whatever a failed test left running is SIGKILLed after it.
const marker = useProcessMarker();
let ws: { dir: string; cleanup: () => void };
beforeEach(() => (ws = tempWorkspace()));
afterEach(() => ws.cleanup());

function start(command: string, extra: Partial<GroupProcessOptions> = {}) {
  const outputFile = join(ws.dir, "out.log");
  const child = startGroupProcess({
    command,
    cwd: ws.dir,
    env: marker.env(),
    outputFile,
    stdin: "ignore",
    killGraceMs: 500,
    ...extra,
  });
  return { child, outputFile };
}

describe("group process", () => {
  it("records the true exit code of a failing command", async () => {
    const { child } = start("echo hi; exit 3");
    const result = await child.exited;
    expect(result).toMatchObject({ exitCode: 3, signal: null, reason: "exit" });
  });

  it("records the signal when the command is killed by one", async () => {
    const { child } = start("kill -TERM $$; sleep 5");
    const result = await child.exited;
    expect(result.signal).toBe("SIGTERM");
    expect(result.exitCode).toBeNull();
  });

  it("interleaves stdout and stderr in the order they were written", async () => {
    const { child, outputFile } = start("echo one; echo two >&2; echo three; echo four >&2");
    await child.exited;
    expect(readFileSync(outputFile, "utf8")).toBe("one\ntwo\nthree\nfour\n");
  });

  it("kills a grandchild together with its process group on terminate", async () => {
    const pidFile = join(ws.dir, "grandchild.pid");
    const { child } = start(`sh -c 'sleep 30 & echo $! > ${pidFile}; wait' & wait`);
    expect(await eventually(() => readFileSafe(pidFile).trim().length > 0)).toBe(true);
    const grandchild = Number(readFileSafe(pidFile));
    expect(pidAlive(grandchild)).toBe(true);
    await child.terminate("killed");
    const result = await child.exited;
    expect(result.reason).toBe("killed");
    expect(await eventually(() => !pidAlive(grandchild))).toBe(true);
  });

  it("ends what the leader left running (cmd &) when it exits", async () => {
    const pidFile = join(ws.dir, "left.pid");
    const { child } = start(`sleep 30 & echo $! > ${pidFile}`);
    await child.exited;
    const leftover = Number(readFileSafe(pidFile));
    expect(leftover).toBeGreaterThan(0);
    expect(await eventually(() => !pidAlive(leftover))).toBe(true);
  });

  it("kills the whole group at the timeout, grandchild included, and says so", async () => {
    const pidFile = join(ws.dir, "grandchild.pid");
    const { child } = start(`sh -c 'sleep 30 & echo $! > ${pidFile}; wait' & wait`, { timeoutMs: 2_000 });
    expect(await eventually(() => readFileSafe(pidFile).trim().length > 0)).toBe(true);
    const grandchild = Number(readFileSafe(pidFile));
    expect(pidAlive(grandchild)).toBe(true);
    const result = await child.exited;
    expect(result.reason).toBe("timeout");
    expect(result.durationMs).toBeLessThan(10_000);
    expect(await eventually(() => !pidAlive(grandchild))).toBe(true);
  });

  it("escalates to KILL when TERM is ignored", async () => {
    const { child, outputFile } = start("trap '' TERM; echo ready; while :; do sleep 0.05; done", {
      killGraceMs: 300,
    });
    // TERM only after the trap is in place, or the shell would die of TERM and never need a KILL.
    expect(await eventually(() => readFileSafe(outputFile) === "ready\n", 10_000)).toBe(true);
    await child.terminate("killed");
    const result = await child.exited;
    expect(result.signal).toBe("SIGKILL");
  });

  it("lets the log grow while the command runs", async () => {
    const { child, outputFile } = start("echo line1; until [ -e go ]; do sleep 0.05; done; echo line2");
    expect(await eventually(() => sizeOf(outputFile) > 0, 10_000)).toBe(true);
    const early = sizeOf(outputFile);
    writeFileSync(join(ws.dir, "go"), "");
    await child.exited;
    expect(early).toBeLessThan(sizeOf(outputFile));
  });

  it("writes the exit code to the exit file through the wrapper, even for `exit N`", async () => {
    const exitFile = join(ws.dir, "task.exit");
    const { child } = start("echo x; exit 7", { exitFile });
    const result = await child.exited;
    expect(result.exitCode).toBe(7);
    expect(readFileSync(exitFile, "utf8").trim()).toBe("7");
  });

  it("reports a spawn failure as data, not an exception", async () => {
    const { child } = start("true", { cwd: join(ws.dir, "missing") });
    const result = await child.exited;
    expect(result.reason).toBe("spawn_error");
    expect(result.error).toBe(`cannot enter ${join(ws.dir, "missing")}: No such file or directory`);
  });
});

function readFileSafe(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}
