import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LaneManager } from "../../src/lanes/lane-manager.js";
import { createCheckBackgroundTool } from "../../src/tools/check-background.js";
import { runCli } from "../helpers/run-cli.js";
import { useTaskWorkspace } from "../helpers/task-workspace.js";
import { eventually, pidAlive } from "../helpers/temp-workspace.js";
import { callDirect } from "../helpers/tool-harness.js";

const ws = useTaskWorkspace();
const { records, running, env } = ws;
const managers: LaneManager[] = [];
beforeEach(() => {
  // No filtering proxy: not what this tests, and one less process per task.
  mkdirSync(join(ws.dir, ".lanes"), { mode: 0o700 });
  writeFileSync(join(ws.dir, ".lanes", "config.json"), JSON.stringify({ sandbox_network: "off" }));
});
// Registered after the workspace's hook, so it runs first: managers shut down before the folder goes.
afterEach(() => Promise.all(managers.splice(0).map((lanes) => lanes.shutdown())));

/** The line of a listing that starts with the task's id. */
function lineOf(listing: string, id: string): string {
  return listing.split("\n").find((line) => line.startsWith(id)) ?? "";
}

describe("a task whose lanes and processes are both gone", () => {
  it("is never listed running: `lanes tasks` and check_background (list and by id) say it was lost", async ({
    onTestFinished,
  }) => {
    // A session already open in the workspace: it reads the other lanes' task, never adopts it.
    const lanes = new LaneManager({
      env: process.env,
      ownerPid: process.pid,
      workspace: ws.dir,
      killGraceMs: 300,
      tickMs: 50,
      stallMs: 0,
    });
    managers.push(lanes);
    const check = createCheckBackgroundTool(lanes);
    let ownerPid = 0;
    const owner = runCli(["run", "sleep 120"], {
      cwd: ws.dir,
      env: env(),
      onSpawn: (pid) => (ownerPid = pid),
      onTestFinished,
    });
    // Its pid written (a record is running before its process exists): a group to kill, never 0.
    const started = (): boolean =>
      records().some((r) => r.owner_pid === ownerPid && r.status === "running" && r.pid > 0);
    expect(await eventually(started, 30_000)).toBe(true);
    running();
    const { id, pid } = records().find((r) => r.owner_pid === ownerPid) as { id: string; pid: number };
    expect(lineOf(await callDirect(check, {}), id)).toMatch(/running/);

    // Both die at once, with no chance to write anything: the record still says running.
    process.kill(ownerPid, "SIGKILL");
    process.kill(-pid, "SIGKILL");
    expect((await owner).signal).toBe("SIGKILL");
    expect(await eventually(() => !pidAlive(pid), 10_000)).toBe(true);
    expect(records().find((r) => r.id === id)).toMatchObject({ status: "running" });

    const listing = await runCli(["tasks"], { cwd: ws.dir, env: env() });
    expect(lineOf(listing.stdout, id)).toMatch(/lost/);
    expect(lineOf(listing.stdout, id)).not.toMatch(/running/);
    const listed = lineOf(await callDirect(check, {}), id);
    expect(listed).toMatch(/lost/);
    expect(listed).not.toMatch(/running/);
    expect(await callDirect(check, { task_id: id })).toMatch(/^id: \w+\nstatus: lost/);
  });
});
