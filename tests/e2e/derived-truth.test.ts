import { existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { textReply, toolReply } from "../helpers/fake-anthropic-server.js";
import { recordReliability } from "../helpers/reliability.js";
import { useTaskWorkspace } from "../helpers/task-workspace.js";
import { runCli } from "../helpers/run-cli.js";
import { eventually, pidAlive, sleep } from "../helpers/temp-workspace.js";

const ws = useTaskWorkspace();
const { records, running, fake, env } = ws;

/** Starts `lanes -p` that runs these background tasks, and SIGKILLs it once all of them run. */
async function crashWhileRunning(commands: string[], hook: (fn: () => void) => void): Promise<void> {
  const server = await fake([
    toolReply(commands.map((command) => ({ name: "background_run", input: { command } }))),
    textReply("started"),
  ]);
  let lanesPid = 0;
  const run = runCli(["-p", "start them"], {
    cwd: ws.dir,
    env: env(server),
    onSpawn: (pid) => (lanesPid = pid),
    onTestFinished: hook,
  });
  expect(await eventually(() => running() === commands.length, 30_000)).toBe(true);
  process.kill(lanesPid, "SIGKILL");
  expect((await run).signal).toBe("SIGKILL");
}

/** The wrapper has written the exit code (lanes creates the file empty when the task starts). */
const exitWritten = (file: string): boolean => existsSync(file) && statSync(file).size > 0;

const GATED = "while [ ! -f go ]; do sleep 0.05; done; printf abc";

describe("derived truth after a crash", () => {
  it("lanes -p SIGKILLed while 3 tasks run: `lanes tasks --all` says completed, with real durations and sizes", async ({
    task,
    onTestFinished,
  }) => {
    await crashWhileRunning([GATED, `${GATED}; printf d`, `${GATED}; printf de`], onTestFinished);
    const startedAt = records().map((r) => Date.parse(r.started_at));
    writeFileSync(join(ws.dir, "go"), "");
    expect(await eventually(() => records().every((r) => exitWritten(r.exit_file)), 10_000)).toBe(true);
    // Well after the tasks ended: a duration taken "now" would be seconds longer than the real one.
    await sleep(600);
    const first = await runCli(["tasks", "--all"], { cwd: ws.dir, env: env() });
    await sleep(400);
    const again = await runCli(["tasks", "--all"], { cwd: ws.dir, env: env() });
    expect(first.stdout).not.toMatch(/running/);
    expect(first.stdout.match(/completed, exit 0/g)).toHaveLength(3);
    // An ended task's duration never grows.
    expect(again.stdout).toBe(first.stdout);
    const final = records();
    for (const record of final) {
      expect(record).toMatchObject({ status: "completed", exit_code: 0 });
      // End time = when the wrapper wrote the exit file; size = the log's.
      expect(Date.parse(record.ended_at)).toBe(Math.floor(statSync(record.exit_file).mtimeMs));
      expect(record.output_bytes).toBe(statSync(record.output_file).size);
      expect(Date.parse(record.ended_at) - Date.parse(record.started_at)).toBeLessThan(2500);
    }
    expect(final.map((r) => r.output_bytes).sort()).toEqual([3, 4, 5]);
    expect(Math.min(...startedAt)).toBeGreaterThan(0);
    recordReliability(task, {
      area: "Crashes",
      does: "lanes -p SIGKILLed with 3 tasks running; they end; `lanes tasks` derives their end",
      cases: 3,
      faultsSurvived: final.filter((r) => r.status === "completed").length,
      processesLeft: final.filter((r) => pidAlive(r.pid)).length,
      itemsLost: final.filter((r) => r.status !== "completed").length,
    });
  });

  it("`lanes run --detach 'sleep 1; exit 4'`: later `lanes tasks` says failed, exit 4", async ({ task }) => {
    const run = await runCli(["run", "--detach", "sleep 1; exit 4"], { cwd: ws.dir, env: env() });
    expect(run.code).toBe(0);
    running();
    const [record] = records();
    expect(await eventually(() => exitWritten(record.exit_file), 10_000)).toBe(true);
    const listing = await runCli(["tasks"], { cwd: ws.dir, env: env() });
    expect(listing.stdout).toMatch(new RegExp(`${record.id}\\s+failed, exit 4`));
    expect(records()[0]).toMatchObject({ status: "failed", exit_code: 4, notified: false });
    recordReliability(task, {
      area: "Crashes",
      does: "lanes run --detach ends while no lanes runs; `lanes tasks` reads its exit file",
      cases: 1,
      faultsSurvived: records()[0].status === "failed" ? 1 : 0,
      processesLeft: pidAlive(record.pid) ? 1 : 0,
      itemsLost: 0,
    });
  });

  it("a task still running after its lanes died is listed running, owner gone; an unfinishable one lost", async ({
    onTestFinished,
  }) => {
    await crashWhileRunning(["sleep 30", "sleep 31"], onTestFinished);
    const [alive, victim] = records().sort((a, b) => a.command.localeCompare(b.command));
    process.kill(-victim.pid, "SIGKILL");
    expect(await eventually(() => !pidAlive(victim.pid))).toBe(true);
    const listing = await runCli(["tasks", "--all"], { cwd: ws.dir, env: env() });
    expect(listing.stdout).toMatch(new RegExp(`${alive.id}\\s+running \\(owner gone\\)`));
    expect(listing.stdout).toMatch(new RegExp(`${victim.id}\\s+lost`));
    const killed = await runCli(["tasks", "kill", alive.id], { cwd: ws.dir, env: env() });
    expect(killed.stdout).toContain(`Killed task ${alive.id}`);
    expect(records().find((r) => r.id === alive.id)).toMatchObject({ status: "killed", signal: "SIGTERM" });
  });

  it("reading a workspace creates nothing and changes no mode", async () => {
    const listing = await runCli(["tasks", "--all"], { cwd: ws.dir, env: env() });
    expect(listing.stdout).toContain("No background tasks.");
    expect(existsSync(join(ws.dir, ".lanes"))).toBe(false);
    mkdirSync(join(ws.dir, ".lanes"), { mode: 0o755 });
    await runCli(["tasks"], { cwd: ws.dir, env: env() });
    expect(statSync(join(ws.dir, ".lanes")).mode & 0o777).toBe(0o755);
    expect(existsSync(join(ws.dir, ".lanes", "tasks"))).toBe(false);
  });

  it("a command moved from the foreground into a lane keeps its exit code through a crash", async ({
    onTestFinished,
  }) => {
    mkdirSync(join(ws.dir, ".lanes"));
    writeFileSync(join(ws.dir, ".lanes", "config.json"), JSON.stringify({ bash_background_after_ms: 300 }));
    const server = await fake([
      toolReply([{ name: "bash", input: { command: `${GATED}; exit 3` } }]),
      textReply("moved"),
    ]);
    let lanesPid = 0;
    const run = runCli(["-p", "run it"], {
      cwd: ws.dir,
      env: env(server),
      onSpawn: (pid) => (lanesPid = pid),
      onTestFinished,
    });
    expect(await eventually(() => running() === 1, 30_000)).toBe(true);
    process.kill(lanesPid, "SIGKILL");
    await run;
    writeFileSync(join(ws.dir, "go"), "");
    const [record] = records();
    expect(await eventually(() => exitWritten(record.exit_file), 10_000)).toBe(true);
    const listing = await runCli(["tasks", "--all"], { cwd: ws.dir, env: env() });
    expect(listing.stdout).toMatch(new RegExp(`${record.id}\\s+failed, exit 3`));
  });
});

describe("lane limits per workspace, across processes", () => {
  it("two `lanes run` in one folder with a limit of 1 run one after the other", async ({
    onTestFinished,
  }) => {
    mkdirSync(join(ws.dir, ".lanes"));
    writeFileSync(join(ws.dir, ".lanes", "config.json"), JSON.stringify({ default_lane_limit: 1 }));
    const first = runCli(["run", `${GATED}; echo first`], { cwd: ws.dir, env: env(), onTestFinished });
    expect(await eventually(() => running() === 1, 30_000)).toBe(true);
    const second = runCli(["run", "echo second"], { cwd: ws.dir, env: env(), onTestFinished });
    // The second lanes queues its task behind the first lanes' slot, until that one frees it.
    expect(await eventually(() => records().some((r) => r.status === "queued"), 30_000)).toBe(true);
    writeFileSync(join(ws.dir, "go"), "");
    const [a, b] = await Promise.all([first, second]);
    expect([a.code, b.code], `${a.stderr}\n${b.stderr}`).toEqual([0, 0]);
    const byCommand = (text: string) => records().find((r) => r.command.includes(text));
    const [one, two] = [byCommand("first"), byCommand("second")];
    expect(two.status).toBe("completed");
    expect(Date.parse(two.started_at)).toBeGreaterThanOrEqual(Date.parse(one.ended_at));
  });
});
