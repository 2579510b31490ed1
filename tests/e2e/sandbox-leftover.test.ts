import { describe, expect, it } from "vitest";
import { textReply, toolReply } from "../helpers/fake-anthropic-server.js";
import { runCli } from "../helpers/run-cli.js";
import { useTaskWorkspace } from "../helpers/task-workspace.js";
import { eventually, pidAlive, sleep } from "../helpers/temp-workspace.js";
import { findMarkedProcesses } from "../../src/process/marked-processes.js";

const ws = useTaskWorkspace();

describe("a shutdown cut short in the sandbox", () => {
  it("a `setsid sleep 90` left in the task's sandbox does not hold the next lanes: it ends the task and sweeps the leftover", async ({
    onTestFinished,
  }) => {
    const command = "setsid sleep 90 & echo started; sleep 90";
    const first = await ws.fake([
      toolReply([{ name: "background_run", input: { command } }]),
      textReply("started"),
    ]);
    let pid = 0;
    const run = runCli(["-p", "start it"], {
      cwd: ws.dir,
      env: ws.env(first),
      onSpawn: (spawned) => (pid = spawned),
      onTestFinished,
    });
    expect(await eventually(() => ws.running() === 1, 30_000)).toBe(true);
    const [record] = ws.records();
    onTestFinished(
      () => void findMarkedProcesses(new Set([record.id])).forEach((p) => process.kill(p.pid, "SIGKILL")),
    );
    // As a client does: TERM, then KILL before lanes' own 2 s grace has run out.
    process.kill(pid, "SIGTERM");
    await sleep(300);
    if (pidAlive(pid)) process.kill(pid, "SIGKILL");
    await run;
    const second = await ws.fake([textReply("caught up")]);
    const started = Date.now();
    const done = await runCli(["-p", "what happened?"], { cwd: ws.dir, env: ws.env(second), onTestFinished });
    expect(done.code, done.stderr).toBe(0);
    // Before the fix it waited for the leftover's 90 s (the sandbox's init held the group).
    expect(Date.now() - started).toBeLessThan(45_000);
    expect(ws.records()[0].status).not.toBe("running");
    expect(await eventually(() => findMarkedProcesses(new Set([record.id])).length === 0, 10_000)).toBe(true);
  }, 150_000);
});
