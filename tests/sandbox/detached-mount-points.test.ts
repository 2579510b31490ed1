import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runCli, testEnv } from "../helpers/run-cli.js";
import { findByEnv } from "../helpers/process-tree.js";
import { eventually, tempWorkspace } from "../helpers/temp-workspace.js";

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
});
