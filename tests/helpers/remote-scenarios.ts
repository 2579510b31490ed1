import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import type { TaskRecord } from "../../src/lanes/task-record.js";
import type { LaneWorkspace } from "./lane-workspace.js";
import { runCli, type CliRun } from "./run-cli.js";
import { sleep } from "./temp-workspace.js";

// What the remote lane tests (SSH, Slurm, Slurm over SSH) share: a server per file, scripted runs, waits.

type OnTestFinished = (hook: () => void) => void;

/** Polls `check` every 100 ms; fails naming `what` if it never holds within `ms`. */
export async function until(check: () => boolean, what: string, ms = 90_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`);
    await sleep(100);
  }
}

/**
 * A server (sshd, Slurm) started once for the calling `describe`, and the workspaces made on it: all
 * stopped and removed after it. `track` keeps a workspace for that removal.
 */
export function useLaneServer<Server extends { stop(): void }>(
  start: () => Promise<Server>,
): { server: () => Server; track: <Ws extends LaneWorkspace>(ws: Ws) => Ws } {
  let server: Server | undefined;
  const workspaces: LaneWorkspace[] = [];
  beforeAll(async () => {
    server = await start();
  }, 120_000);
  afterAll(() => {
    server?.stop();
    for (const ws of workspaces) ws.remove();
  });
  return {
    server: () => {
      if (server === undefined) throw new Error("the lane server has not started");
      return server;
    },
    track: (ws) => {
      workspaces.push(ws);
      return ws;
    },
  };
}

/** A script that starts one task in the workspace's lane, waits for it (`wait`: wait_background's input), ends. */
export function taskScript(
  ws: LaneWorkspace,
  task: Record<string, unknown>,
  wait: Record<string, unknown> = {},
): string {
  return ws.script([
    { tool_calls: [{ name: "background_run", input: { lane: ws.lane, ...task } }] },
    { tool_calls: [{ name: "wait_background", input: wait }] },
    { text: "done" },
  ]);
}

/** `lanes -p go` with the scripted model `script` in the workspace, ended with its test. */
export function runScript(
  ws: LaneWorkspace,
  script: string,
  onTestFinished: OnTestFinished,
  options: { args?: string[]; onSpawn?: (pid: number) => void } = {},
): Promise<CliRun> {
  const args = ["-p", "go", "--model", `script:${script}`, ...(options.args ?? [])];
  const spawned = options.onSpawn === undefined ? {} : { onSpawn: options.onSpawn };
  return runCli(args, { cwd: ws.dir, env: ws.env, onTestFinished, ...spawned });
}

/**
 * A task that prints `begin`, then holds until `release()` (a file it polls for; the hosts are this machine),
 * prints `end` and exits 5: it runs exactly as long as a test needs it to, not a guessed sleep.
 */
export function heldTask(ws: LaneWorkspace): { command: string; release: () => void } {
  const gate = join(ws.root, "release");
  return {
    command: `echo begin; until [ -e '${gate}' ]; do sleep 0.1; done; echo end; exit 5`,
    release: () => writeFileSync(gate, ""),
  };
}

/** The first task's record, or undefined while there is none (or it is being replaced). */
function firstRecord(ws: LaneWorkspace): TaskRecord | undefined {
  try {
    return ws.records()[0];
  } catch {
    return undefined;
  }
}

/**
 * lanes starts a held task (`heldTask`) in the remote lane and is SIGKILLed once `begin` shows; a second
 * session adopts it while it still runs (the record names the new owner), and only then is it released.
 * Checks what every remote lane owes then: the task was left running, and its one result (exit 5, the
 * whole log) reached the second session. `beforeKill` runs just before the kill; returns the task's record.
 */
export async function killMidTaskThenResume(
  ws: LaneWorkspace,
  options: {
    onTestFinished: OnTestFinished;
    waitMs: number;
    nextArgs?: string[];
    beforeKill?: () => void;
  },
): Promise<TaskRecord | undefined> {
  const held = heldTask(ws);
  const wait = { timeout_ms: options.waitMs };
  let pid = 0;
  const first = taskScript(ws, { command: held.command }, wait);
  const run = runScript(ws, first, options.onTestFinished, { onSpawn: (spawned) => (pid = spawned) });
  await until(() => ws.log().includes("begin"), "the task to start there");
  options.beforeKill?.();
  process.kill(pid, "SIGKILL");
  await run;
  const afterKill = firstRecord(ws);
  const second = ws.script([{ tool_calls: [{ name: "wait_background", input: wait }] }, { text: "done" }]);
  let nextPid = 0;
  const next = runScript(ws, second, options.onTestFinished, {
    args: options.nextArgs ?? [],
    onSpawn: (spawned) => (nextPid = spawned),
  });
  await until(() => nextPid !== 0 && firstRecord(ws)?.owner_pid === nextPid, "the next session to adopt it");
  held.release();
  const done = await next;
  expect(afterKill).toMatchObject({ status: "running", notified: false });
  expect(done.code, done.stderr).toBe(0);
  const records = ws.records();
  expect(records).toHaveLength(1);
  expect(records[0]).toMatchObject({ status: "failed", exit_code: 5, notified: true });
  expect(ws.log()).toBe("begin\nend\n");
  return records[0];
}
