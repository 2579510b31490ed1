import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startGroupProcess } from "../../src/process/group-process.js";
import { signalGroup } from "../../src/process/kill-group.js";
import { readExitFile } from "../../src/lanes/reconcile.js";
import { newTaskRecord } from "../../src/lanes/task-lifecycle.js";
import { TaskStore } from "../../src/lanes/task-store.js";
import { useLaneFixture } from "../helpers/lane-fixture.js";
import { eventually } from "../helpers/temp-workspace.js";

const ws = useLaneFixture();

/** Prints `ready` once its TERM trap is set, then exits 7 after a moment: the command outlives a group TERM. */
const IGNORES_TERM = "trap '' TERM; echo ready; sleep 1; exit 7";
/** The same program run by the command's shell (as `sh script.sh` is): only the program ignores TERM. */
const RUNS_ONE_IGNORING_TERM = `sh -c "${IGNORES_TERM}"`;

function logHas(file: string, text: string): boolean {
  try {
    return readFileSync(file, "utf8").includes(text);
  } catch {
    return false;
  }
}

/** Starts `command` as lanes does (wrapper, exit file, own group) under a record whose lanes is gone. */
async function orphaned(id: string, command: string): Promise<{ store: TaskStore; pgid: number }> {
  const store = new TaskStore(join(ws.dir, ".lanes"));
  const paths = store.paths(id);
  const child = startGroupProcess({
    command,
    cwd: ws.dir,
    env: { ...process.env, LANES_TEST_MARK: ws.mark, LANES_TASK_ID: id },
    outputFile: paths.log,
    exitFile: paths.exit,
    stdin: "ignore",
  });
  child.release();
  const pgid = child.pid ?? 0;
  const record = {
    ...newTaskRecord(
      id,
      { command },
      { cwd: ws.dir, log: paths.log, exit: paths.exit, ownerPid: process.pid },
    ),
    status: "running" as const,
    pid: pgid,
    started_at: new Date().toISOString(),
    owner_pid: spawnSync("true").pid ?? 1,
  };
  await store.save(record);
  return { store, pgid };
}

describe("the exit code that really ended a task", () => {
  it("a command that ignores TERM and exits 7 after a kill is recorded with exit code 7, not SIGTERM", async () => {
    const lanes = ws.manager({ killGraceMs: 8_000 });
    const record = lanes.start({ command: IGNORES_TERM });
    expect(await eventually(() => logHas(record.output_file, "ready"), 10_000)).toBe(true);
    const { record: final } = await lanes.kill(record.id);
    expect(final).toMatchObject({ exit_code: 7, signal: null });
    expect(readExitFile(record.exit_file)?.code).toBe(7);
  });

  it("a program run by the command's shell that ignores TERM and exits 7 is recorded 7, not SIGTERM (the shell in between waits for it)", async () => {
    const lanes = ws.manager({ killGraceMs: 8_000 });
    const record = lanes.start({ command: RUNS_ONE_IGNORING_TERM });
    expect(await eventually(() => logHas(record.output_file, "ready"), 10_000)).toBe(true);
    const { record: final } = await lanes.kill(record.id);
    expect(final).toMatchObject({ exit_code: 7, signal: null });
    expect(readExitFile(record.exit_file)?.code).toBe(7);
  });

  it("at shutdown, a program that ignores TERM and exits 0 by itself is recorded with exit 0, not SIGTERM", async () => {
    const lanes = ws.manager({ killGraceMs: 8_000 });
    const record = lanes.start({ command: RUNS_ONE_IGNORING_TERM.replace("exit 7", "exit 0") });
    expect(await eventually(() => logHas(record.output_file, "ready"), 10_000)).toBe(true);
    await lanes.shutdown();
    const final = new TaskStore(join(ws.dir, ".lanes")).find(record.id);
    expect(final).toMatchObject({ exit_code: 0, signal: null });
  });

  it("a command killed by the TERM itself is still recorded as ended by SIGTERM", async () => {
    const lanes = ws.manager({ killGraceMs: 8_000 });
    const record = lanes.start({ command: "echo ready; sleep 30" });
    expect(await eventually(() => logHas(record.output_file, "ready"), 10_000)).toBe(true);
    // Once `sleep` runs: a TERM in the instant between its fork and its exec reaches it only by the KILL.
    const sleeping = (): boolean =>
      spawnSync("pgrep", ["-g", String(record.pid), "-x", "sleep"]).status === 0;
    expect(await eventually(sleeping, 10_000)).toBe(true);
    const { record: final } = await lanes.kill(record.id);
    expect(final).toMatchObject({ status: "killed", exit_code: null, signal: "SIGTERM" });
  });

  it("after a shutdown cut short (group TERM, then lanes gone), the next lanes reads the command's own exit code", async () => {
    const { pgid } = await orphaned("cut00001", IGNORES_TERM);
    const log = new TaskStore(join(ws.dir, ".lanes")).paths("cut00001").log;
    expect(await eventually(() => logHas(log, "ready"), 10_000)).toBe(true);
    signalGroup(pgid, "SIGTERM");
    const exitFile = new TaskStore(join(ws.dir, ".lanes")).paths("cut00001").exit;
    expect(await eventually(() => readExitFile(exitFile) !== null, 10_000)).toBe(true);
    const lanes = ws.manager();
    const recovery = lanes.recover();
    expect(recovery.lost).toEqual([]);
    const final = await lanes.whenEnded("cut00001");
    expect(final).toMatchObject({ status: "failed", exit_code: 7 });
  });

  it("an adopted command that ignores TERM, killed by the adopting lanes, keeps its exit code 7", async () => {
    await orphaned("adopt017", IGNORES_TERM);
    const log = new TaskStore(join(ws.dir, ".lanes")).paths("adopt017").log;
    expect(await eventually(() => logHas(log, "ready"), 10_000)).toBe(true);
    const lanes = ws.manager({ killGraceMs: 8_000 });
    expect(lanes.recover().adopted).toEqual(["adopt017"]);
    const { record: final } = await lanes.kill("adopt017");
    expect(final).toMatchObject({ exit_code: 7, signal: null });
  });

  it("an adopted task killed while its shell runs only builtins is recorded SIGTERM, not the previous command's exit 0", async () => {
    await orphaned("builtin1", "echo ready; while :; do :; done");
    const log = new TaskStore(join(ws.dir, ".lanes")).paths("builtin1").log;
    expect(await eventually(() => logHas(log, "ready"), 10_000)).toBe(true);
    const lanes = ws.manager({ killGraceMs: 8_000 });
    expect(lanes.recover().adopted).toEqual(["builtin1"]);
    const { record: final } = await lanes.kill("builtin1");
    expect(final).toMatchObject({ status: "killed", exit_code: null, signal: "SIGTERM" });
  });

  it("an adopted task whose exit file was written before the poll saw it is recorded exited when killed", async () => {
    const { store } = await orphaned("exited01", "echo ready; sleep 30");
    const paths = store.paths("exited01");
    expect(await eventually(() => logHas(paths.log, "ready"), 10_000)).toBe(true);
    const lanes = ws.manager({ tickMs: 3_600_000 });
    expect(lanes.recover().adopted).toEqual(["exited01"]);
    // The command's end, as its wrapper writes it, before the adopting lanes polls (its tick is an hour).
    writeFileSync(paths.exit, "5\n");
    const { record: final } = await lanes.kill("exited01");
    expect(final).toMatchObject({ status: "failed", exit_code: 5, signal: null });
  });
});
