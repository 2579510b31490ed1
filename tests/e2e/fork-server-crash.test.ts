import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LaneManager } from "../../src/lanes/lane-manager.js";
import { textReply, toolReply } from "../helpers/fake-anthropic-server.js";
import { runCli } from "../helpers/run-cli.js";
import { useTaskWorkspace } from "../helpers/task-workspace.js";
import { eventually, pidAlive } from "../helpers/temp-workspace.js";
import { parentOf } from "../../src/process/proc-stat.js";

const ws = useTaskWorkspace();

describe.skipIf(process.platform !== "linux")("a task forked by the fork server", () => {
  it("outlives a SIGKILLed lanes (whose server ends), and the next lanes adopts it and gets its exit code", async ({
    onTestFinished,
  }) => {
    const command = "while [ ! -f go ]; do sleep 0.05; done; echo survived; exit 5";
    const server = await ws.fake([
      toolReply([{ name: "background_run", input: { command } }]),
      textReply("ok"),
    ]);
    let lanesPid = 0;
    const run = runCli(["-p", "start it"], {
      cwd: ws.dir,
      env: ws.env(server),
      onSpawn: (pid) => (lanesPid = pid),
      onTestFinished,
    });
    expect(await eventually(() => ws.running() === 1, 30_000)).toBe(true);
    const [record] = ws.records();
    const forkServer = parentOf(record.pid) ?? 0;
    // Forked by lanes' fork server (whose parent is lanes), not spawned by lanes itself.
    expect(forkServer).not.toBe(lanesPid);
    expect(parentOf(forkServer)).toBe(lanesPid);
    process.kill(lanesPid, "SIGKILL");
    expect((await run).signal).toBe("SIGKILL");
    // lanes' end of the pipe closed: the server exits, the task does not.
    expect(await eventually(() => !pidAlive(forkServer), 10_000)).toBe(true);
    expect(pidAlive(record.pid)).toBe(true);
    const next = new LaneManager({ workspace: ws.dir, ownerPid: process.pid, env: process.env, tickMs: 50 });
    try {
      expect(next.recover().adopted).toEqual([record.id]);
      writeFileSync(join(ws.dir, "go"), "");
      const end = await next.whenEnded(record.id);
      expect(end).toMatchObject({ status: "failed", exit_code: 5 });
      expect(readFileSync(end.output_file, "utf8")).toContain("survived");
    } finally {
      await next.shutdown();
    }
  });
  it.for(["workspace-write", "danger-full-access"])(
    "that kills itself with a signal while no lanes watches is recorded by the next lanes as a watched one is (%s)",
    async (sandbox, { onTestFinished }) => {
      const command = (gate: string) => `while [ ! -f ${gate} ]; do sleep 0.05; done; echo dying; kill -9 $$`;
      const view = (r: { status: string; exit_code: unknown; signal: unknown }) => ({
        status: r.status,
        exit_code: r.exit_code,
        signal: r.signal,
      });
      // The same command watched to its end by a live lanes (same sandbox): what the record must say.
      writeFileSync(join(ws.dir, "go-live"), "");
      await runCli(["run", "--sandbox", sandbox, command("go-live")], {
        cwd: ws.dir,
        env: ws.env(),
        onTestFinished,
      });
      const [watched] = ws.records();
      // The shell's death by the signal is that signal, in the sandbox as without it (not "exit 137").
      expect(view(watched)).toEqual({ status: "failed", exit_code: null, signal: "SIGKILL" });
      const server = await ws.fake([
        toolReply([{ name: "background_run", input: { command: command("go") } }]),
        textReply("ok"),
      ]);
      let lanesPid = 0;
      const run = runCli(["--sandbox", sandbox, "-p", "start it"], {
        cwd: ws.dir,
        env: ws.env(server),
        onSpawn: (pid) => (lanesPid = pid),
        onTestFinished,
      });
      expect(await eventually(() => ws.running() === 1, 30_000)).toBe(true);
      const record = ws.records().find((r) => r.status === "running");
      process.kill(lanesPid, "SIGKILL");
      await run;
      writeFileSync(join(ws.dir, "go"), "");
      expect(await eventually(() => !pidAlive(record.pid), 10_000)).toBe(true);
      const next = new LaneManager({
        workspace: ws.dir,
        ownerPid: process.pid,
        env: process.env,
        tickMs: 50,
      });
      try {
        next.recover();
        const end = await next.whenEnded(record.id);
        expect(view(end)).toEqual(view(watched));
        expect(readFileSync(end.output_file, "utf8")).toContain("dying");
      } finally {
        await next.shutdown();
      }
    },
  );
});
