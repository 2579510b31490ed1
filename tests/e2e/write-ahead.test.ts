import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { textReply, toolReply } from "../helpers/fake-anthropic-server.js";
import { resultLinesFor } from "../helpers/conversation-checks.js";
import { runCli } from "../helpers/run-cli.js";
import { useTaskWorkspace } from "../helpers/task-workspace.js";
import { eventually } from "../helpers/temp-workspace.js";

const ws = useTaskWorkspace();

function tempFiles(): string[] {
  const dir = join(ws.dir, ".lanes", "tasks");
  return existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith(".tmp")) : [];
}

/** Starts `-p` whose model starts `commands` in the background, and SIGKILLs it once `ready()` holds. */
async function crashWhen(
  commands: { command: string; persist?: boolean }[],
  ready: () => boolean,
  extraEnv: Record<string, string> = {},
  onTestFinished?: (hook: () => void) => void,
): Promise<void> {
  const first = await ws.fake([
    toolReply(commands.map((input) => ({ name: "background_run", input }))),
    textReply("started"),
  ]);
  let pid = 0;
  const run = runCli(["-p", "start them"], {
    cwd: ws.dir,
    env: { ...ws.env(first), ...extraEnv },
    onSpawn: (spawned) => (pid = spawned),
    onTestFinished,
  });
  const seen = await eventually(() => {
    ws.running();
    return ready();
  }, 30_000);
  if (pid !== 0) process.kill(pid, "SIGKILL");
  expect(seen).toBe(true);
  expect((await run).signal).toBe("SIGKILL");
}

/** A second `-p` in the workspace; returns its run and the request that carried the results. */
async function nextRun(onTestFinished?: (hook: () => void) => void) {
  const second = await ws.fake([textReply("caught up")]);
  const run = await runCli(["-p", "what happened?"], { cwd: ws.dir, env: ws.env(second), onTestFinished });
  ws.running();
  const carried = second.requests.at(-1)!;
  return { run, carried };
}

// Each test starts two CLIs and a crash: generous under a loaded CI (its default of 30 s was not).
describe("write-ahead: what a lanes killed at any step of a start leaves", { timeout: 90_000 }, () => {
  it("killed right after the record, before the spawn: the record is on disk, and the next lanes starts the task once", async ({
    onTestFinished,
  }) => {
    const command = "echo ran >> ran.txt; echo task-output";
    const recorded = () => ws.records().some((r) => r.command === command && r.status === "running");
    await crashWhen([{ command }], recorded, { LANES_TEST_PAUSE_AT: "after-record" }, onTestFinished);
    const [record] = ws.records();
    expect(record).toMatchObject({ command, status: "running", pid: null });
    expect(tempFiles()).toEqual([]);
    expect(existsSync(join(ws.dir, "ran.txt"))).toBe(false);

    const { run, carried } = await nextRun(onTestFinished);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain("1 queued and never started (starting now)");
    const [final] = ws.records();
    expect(final).toMatchObject({ id: record.id, status: "completed", exit_code: 0, notified: true });
    expect(resultLinesFor(carried, record.id)).toBe(1);
    expect(JSON.stringify(carried.body.messages)).toContain("task-output");
  });

  it("killed right after the spawn, before its pid is written: the next lanes finds the running task and reports its true end once", async ({
    onTestFinished,
  }) => {
    const command = "touch started; while [ ! -f go ]; do sleep 0.05; done; echo adopted-output; exit 4";
    const spawned = () => existsSync(join(ws.dir, "started"));
    await crashWhen(
      [{ command, persist: true }],
      spawned,
      { LANES_TEST_PAUSE_AT: "after-spawn" },
      onTestFinished,
    );
    const [record] = ws.records();
    expect(record).toMatchObject({ status: "running", pid: null });
    // A persisted task holds no -p open: the model's first answer waits until this lanes recorded the end,
    // so it is alive to see it (else the end is a race with its exit, lost under load).
    const ended = () => ws.records()[0]?.status === "failed";
    const second = await ws.fake([textReply("caught up")], () => eventually(ended, 30_000));
    const run = runCli(["-p", "what happened?"], { cwd: ws.dir, env: ws.env(second), onTestFinished });
    // Adopted (its group found by its marker) before it ends, so this lanes watches it to its end.
    expect(await eventually(() => typeof ws.records()[0]?.pid === "number", 30_000)).toBe(true);
    ws.running();
    writeFileSync(join(ws.dir, "go"), "");
    const done = await run;
    expect(done.code, done.stderr).toBe(0);
    expect(done.stderr, done.stderr).toContain("1 still running");
    expect(ws.records()[0]).toMatchObject({ status: "failed", exit_code: 4, notified: true });
    expect(resultLinesFor(second.requests.at(-1)!, record.id)).toBe(1);
  });

  it("tasks still queued when lanes was SIGKILLed are started by the next lanes, which says so, and each result arrives once", async ({
    onTestFinished,
  }) => {
    mkdirSync(join(ws.dir, ".lanes"), { recursive: true });
    writeFileSync(join(ws.dir, ".lanes", "config.json"), JSON.stringify({ default_lane_limit: 1 }));
    const commands = [
      { command: "while [ ! -f go ]; do sleep 0.05; done; echo first-done", persist: true },
      { command: "echo second-done" },
      { command: "echo third-done; exit 3" },
    ];
    const queued = () => ws.records().filter((r) => r.status === "queued").length === 2 && ws.running() === 1;
    await crashWhen(commands, queued, {}, onTestFinished);
    const second = await ws.fake([textReply("caught up")]);
    const run = runCli(["-p", "what happened?"], { cwd: ws.dir, env: ws.env(second), onTestFinished });
    writeFileSync(join(ws.dir, "go"), "");
    const done = await run;
    ws.running();
    expect(done.code, done.stderr).toBe(0);
    expect(done.stderr).toContain("2 queued and never started (starting now)");
    const byCommand = (command: string) => ws.records().find((r) => r.command === command);
    expect(byCommand(commands[1]!.command)).toMatchObject({
      status: "completed",
      exit_code: 0,
      notified: true,
    });
    expect(byCommand(commands[2]!.command)).toMatchObject({ status: "failed", exit_code: 3, notified: true });
    const carried = second.requests.at(-1)!;
    for (const { command } of commands) expect(resultLinesFor(carried, byCommand(command).id)).toBe(1);
  });
});
