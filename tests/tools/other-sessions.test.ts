import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LaneManager } from "../../src/lanes/lane-manager.js";
import { createCheckBackgroundTool } from "../../src/tools/check-background.js";
import { ToolError } from "../../src/tools/define-tool.js";
import { createKillBackgroundTool } from "../../src/tools/kill-background.js";
import { createSendBackgroundInputTool } from "../../src/tools/send-background-input.js";
import { createWaitBackgroundTool } from "../../src/tools/wait-background.js";
import { runCli } from "../helpers/run-cli.js";
import { useTaskWorkspace } from "../helpers/task-workspace.js";
import { eventually, pidAlive } from "../helpers/temp-workspace.js";
import { callDirect } from "../helpers/tool-harness.js";

const ws = useTaskWorkspace();
const { records, running, env } = ws;
const managers: LaneManager[] = [];
beforeEach(() => {
  // No filtering proxy: a detached `lanes run` that exits at once removes its proxy folder, and bwrap
  // sometimes fails to mount it then (about 1 run in 25, "Can't bind mount ... lanes-net-"): not what this tests.
  mkdirSync(join(ws.dir, ".lanes"), { mode: 0o700 });
  writeFileSync(join(ws.dir, ".lanes", "config.json"), JSON.stringify({ sandbox_network: "off" }));
});
// Registered after the workspace's hook, so it runs first: managers shut down before the folder goes.
afterEach(() => Promise.all(managers.splice(0).map((lanes) => lanes.shutdown())));

function manager(): LaneManager {
  const lanes = new LaneManager({
    env: process.env,
    ownerPid: process.pid,
    workspace: ws.dir,
    killGraceMs: 300,
    tickMs: 50,
    stallMs: 0,
  });
  managers.push(lanes);
  return lanes;
}

/** This session: a lane manager already open in the workspace when another lanes starts its tasks. */
function session() {
  const lanes = manager();
  return {
    lanes,
    check: createCheckBackgroundTool(lanes),
    wait: createWaitBackgroundTool(lanes),
    kill: createKillBackgroundTool(lanes),
    input: createSendBackgroundInputTool(lanes),
  };
}

/** `lanes run --detach CMD` from the user's shell: its lanes exits at once, the task runs on. */
async function detached(command: string): Promise<{ id: string; pid: number; ownerPid: number }> {
  const run = await runCli(["run", "--detach", command], { cwd: ws.dir, env: env() });
  expect(run.code).toBe(0);
  const id = /^(\w+)\s+started/.exec(run.stdout)?.[1] ?? "";
  running();
  const record = records().find((r) => r.id === id);
  return { id, pid: record.pid, ownerPid: run.pid };
}

/** An attached `lanes run CMD` (another live lanes) whose task is running: its pid and the task id. */
async function attached(command: string, onTestFinished: (hook: () => void) => void) {
  let ownerPid = 0;
  const run = runCli(["run", command], {
    cwd: ws.dir,
    env: env(),
    onSpawn: (pid) => (ownerPid = pid),
    onTestFinished,
  });
  const started = (): boolean => records().some((r) => r.owner_pid === ownerPid && r.status === "running");
  expect(await eventually(started, 30_000)).toBe(true);
  running();
  const record = records().find((r) => r.owner_pid === ownerPid);
  return { run, id: record.id as string, ownerPid };
}

const GATED = "while [ ! -f go ]; do sleep 0.05; done";

describe("tasks of another lanes in the same workspace", () => {
  it("a detached `lanes run` started while this session runs: listed, readable, marked as not this session's", async () => {
    const me = session();
    const own = me.lanes.start({ command: "sleep 120" });
    const dev = await detached("echo dev-server-ready on 5173; sleep 120");
    const log = records().find((r) => r.id === dev.id).output_file as string;
    expect(
      await eventually(() => existsSync(log) && readFileSync(log, "utf8").includes("ready"), 10_000),
    ).toBe(true);

    const listing = await callDirect(me.check, {});
    const line = listing.split("\n").find((l) => l.startsWith(dev.id)) ?? "";
    expect(line).toMatch(/running/);
    expect(line).toContain(`pid ${dev.ownerPid}`);
    expect(line).toMatch(/another lanes/);
    // This session's own task is listed as before, not marked as someone else's.
    const ownLine = listing.split("\n").find((l) => l.startsWith(own.id)) ?? "";
    expect(ownLine).toMatch(/running/);
    expect(ownLine).not.toMatch(/another lanes/);
    // The listing tells the model it will not be notified about the other one.
    expect(listing).toMatch(/no notification/i);

    const one = await callDirect(me.check, { task_id: dev.id });
    expect(one).toMatch(/^id: \w+\nstatus: running/);
    expect(one).toContain(`pid ${dev.ownerPid}`);
    expect(one).toContain("dev-server-ready on 5173");

    // Refused, naming the user's way to end it; the dev server keeps running.
    const refusal = await callDirect(me.kill, { task_id: dev.id }).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(ToolError);
    expect((refusal as Error).message).toContain(`lanes tasks kill ${dev.id}`);
    expect(pidAlive(dev.pid)).toBe(true);
    const input = await callDirect(me.input, { task_id: dev.id, text: "q\n" }).catch((e: unknown) => e);
    expect((input as Error).message).toMatch(/another lanes/);
    // Nothing of it was taken over: no notice queued here, no record written by this session.
    expect(me.lanes.get(dev.id)).toBeUndefined();
    expect(me.lanes.drainNotifications().map((n) => n.taskId)).not.toContain(dev.id);
    expect(records().find((r) => r.id === dev.id)).toMatchObject({ owner_pid: dev.ownerPid });
  });

  it("a task of another live lanes: wait_background waits for its end and reports its true exit code", async ({
    onTestFinished,
  }) => {
    const me = session();
    const other = await attached(`echo begun; ${GATED}; echo finished-here; exit 3`, onTestFinished);

    const listing = await callDirect(me.check, {});
    expect(listing).toMatch(
      new RegExp(`${other.id}\\s+running.*another lanes session, pid ${other.ownerPid}`),
    );

    const early = await callDirect(me.wait, { task_ids: [other.id], timeout_ms: 300 });
    expect(early).toMatch(new RegExp(`Still running \\(timed out after [^)]*\\): ${other.id}`));
    // No promise of a notification this session will never get.
    expect(early).not.toMatch(/You will be notified/);

    let answered = false;
    const waiting = callDirect(me.wait, { task_ids: [other.id], timeout_ms: 30_000 }).then((reply) => {
      answered = true;
      return reply;
    });
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(answered).toBe(false);
    writeFileSync(join(ws.dir, "go"), "");
    const reply = await waiting;
    expect(reply).toMatch(new RegExp(`^\\[bg:${other.id}\\] failed, exit 3`));
    expect(reply).toContain("finished-here");
    expect(reply).toContain(`pid ${other.ownerPid}`);
    expect((await other.run).code).toBe(3);
    // Its result was its owner's to deliver: this session queued nothing and holds nothing of it.
    expect(me.lanes.get(other.id)).toBeUndefined();
    expect(me.lanes.drainNotifications()).toEqual([]);
  });

  it("waiting on a task nobody watches does not take its result: the next lanes to start still delivers it", async () => {
    const me = session();
    const own = me.lanes.start({ command: "sleep 0.2; exit 0" });
    const dev = await detached(`${GATED}; echo done-at-last; exit 5`);
    const waiting = callDirect(me.wait, { task_ids: [own.id, dev.id], mode: "all", timeout_ms: 30_000 });
    await me.lanes.whenEnded(own.id);
    writeFileSync(join(ws.dir, "go"), "");
    const reply = await waiting;
    expect(reply).toMatch(new RegExp(`\\[bg:${own.id}\\] completed, exit 0`));
    expect(reply).toMatch(new RegExp(`\\[bg:${dev.id}\\] failed, exit 5.*done-at-last`));
    expect(reply).not.toMatch(/Still running/);
    // Untouched on disk: the reconcile that read it was read-only.
    expect(records().find((r) => r.id === dev.id)).toMatchObject({ status: "running", notified: false });
    const next = manager();
    expect(next.recover().recovered).toContain(dev.id);
    const notices = next.drainNotifications().filter((n) => n.taskId === dev.id);
    expect(notices).toMatchObject([{ kind: "ended", record: { status: "failed", exit_code: 5 } }]);
  });

  it("the default listing leaves out another lanes' tasks that ended and were delivered", async () => {
    const me = session();
    const done = await runCli(["run", "echo quick"], { cwd: ws.dir, env: env() });
    expect(done.code).toBe(0);
    expect(records()).toMatchObject([{ status: "completed", notified: true }]);
    const dev = await detached("sleep 120");
    const listing = await callDirect(me.check, {});
    expect(listing).toContain(dev.id);
    expect(listing).not.toContain(records().find((r) => r.status === "completed").id);
    // One already delivered can still be read by its id.
    const quick = records().find((r) => r.status === "completed");
    expect(await callDirect(me.check, { task_id: quick.id })).toContain("completed, exit 0");
    // With no task of its own, wait_background names the others instead of saying nothing runs.
    const idle = await callDirect(me.wait, {});
    expect(idle).toContain(dev.id);
  });
});
