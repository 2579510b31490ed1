import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runCli, testEnv } from "../helpers/run-cli.js";
import { findByEnv } from "../helpers/process-tree.js";
import { eventually, sleep, tempWorkspace } from "../helpers/temp-workspace.js";

// A task that outlives its lanes (`lanes run --detach`, persist) keeps the empty mount points its protected
// paths need. The next lanes' sweep removed them while the task ran, and the kernel then lazily detached the
// task's read-only mounts there: the task could plant `.vscode/tasks.json`. They now go once it has ended.

let ws: { dir: string; cleanup: () => void };
afterEach(() => ws.cleanup());

/** The paths mounted in a process's mount namespace. */
function mountedIn(pid: number): string[] {
  return readFileSync(`/proc/${pid}/mountinfo`, "utf8")
    .split("\n")
    .map((line) => line.split(" ")[4] ?? "");
}

describe.runIf(process.platform === "linux")("a detached task's mount points", () => {
  it("stay mounted while it runs when another lanes sweeps, and go with the next sweep after it ends", async ({
    onTestFinished,
  }) => {
    ws = tempWorkspace();
    const env = testEnv();
    const cli = (args: string[]) => runCli(args, { cwd: ws.dir, env, onTestFinished });
    const detached = await cli(["run", "--detach", "exec sleep 60"]);
    const id = /^(\w+)\s+started/.exec(detached.stdout)?.[1] ?? "";
    const vscode = join(ws.dir, ".vscode");
    expect(existsSync(vscode)).toBe(true);
    let task: number | undefined;
    expect(
      await eventually(
        () => (task = findByEnv("LANES_TASK_ID", id).find((p) => p.name === "sleep")?.pid) !== undefined,
      ),
    ).toBe(true);
    expect((await cli(["run", "true"])).code).toBe(0);
    expect(existsSync(vscode)).toBe(true);
    expect(mountedIn(task ?? 0)).toContain(vscode);
    expect((await cli(["tasks", "kill", id])).code).toBe(0);
    expect((await cli(["run", "true"])).code).toBe(0);
    expect(existsSync(vscode)).toBe(false);
  }, 60_000);

  // With no other lanes run after it, they stayed: twelve empty entries (`.vscode/`, `.env`, `.mcp.json`...) in
  // the user's workspace, the files among them untracked in `git status`, until a next session there ended.
  it("go when lanes tasks kill ends it, with no lanes run after it", async ({ onTestFinished }) => {
    ws = tempWorkspace();
    writeFileSync(join(ws.dir, "mine.txt"), "the user's\n");
    const cli = (args: string[]) => runCli(args, { cwd: ws.dir, env: testEnv(), onTestFinished });
    const detached = await cli(["run", "--detach", "exec sleep 60"]);
    const id = /^(\w+)\s+started/.exec(detached.stdout)?.[1] ?? "";
    // The task has them while it runs (what the kill must leave behind: none of them).
    expect(readdirSync(ws.dir)).toEqual(expect.arrayContaining([".vscode", ".mcp.json", ".env"]));
    let task: number | undefined;
    expect(
      await eventually(
        () => (task = findByEnv("LANES_TASK_ID", id).find((p) => p.name === "sleep")?.pid) !== undefined,
      ),
    ).toBe(true);
    // A listing sweeps what exited lanes left, but never a mount point still mounted: that would detach the
    // running task's read-only mount there.
    expect((await cli(["tasks"])).code).toBe(0);
    expect(readdirSync(ws.dir)).toEqual(expect.arrayContaining([".vscode", ".mcp.json", ".env"]));
    expect(mountedIn(task ?? 0)).toContain(join(ws.dir, ".vscode"));
    const kill = await cli(["tasks", "kill", id]);
    expect(kill.code, kill.stderr).toBe(0);
    expect(readdirSync(ws.dir).sort()).toEqual([".lanes", "mine.txt"]);
  }, 60_000);

  it("go at the next lanes tasks once it ended by itself", async ({ onTestFinished }) => {
    ws = tempWorkspace();
    const cli = (args: string[]) => runCli(args, { cwd: ws.dir, env: testEnv(), onTestFinished });
    const detached = await cli(["run", "--detach", "sleep 0.3"]);
    expect(detached.code, detached.stderr).toBe(0);
    expect(readdirSync(ws.dir)).toContain(".vscode");
    // Its sandbox ends a moment after the task: each listing sweeps once, without waiting.
    let left: string[] = [];
    for (let look = 0; look < 20; look++) {
      await sleep(250);
      expect((await cli(["tasks", "--all"])).code).toBe(0);
      left = readdirSync(ws.dir);
      if (left.length === 1) break;
    }
    expect(left).toEqual([".lanes"]);
  }, 60_000);
});
