import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCli, testEnv } from "../helpers/run-cli.js";
import { eventually, tempWorkspace } from "../helpers/temp-workspace.js";

let ws: { dir: string; cleanup: () => void };
beforeEach(() => (ws = tempWorkspace()));
afterEach(() => ws.cleanup());

const lanes = (args: string[], input = "") => runCli(args, { cwd: ws.dir, input, env: testEnv() });

/** Whether the detached task has ended: its exit file is there (its record is updated by the next lanes). */
const exited = (): boolean =>
  readdirSync(join(ws.dir, ".lanes", "tasks")).some((name) => name.endsWith(".exit"));

describe("counts in the REPL's notices", () => {
  it('a task of an earlier run: "picked up 1 task ...: 1 ended", its result "1 background result", no "(s)" and no zero counts', async () => {
    // Unsandboxed: what is asked here is the wording, and bubblewrap would only add start time.
    const detached = await lanes(["run", "--detach", "--sandbox", "danger-full-access", "true"]);
    expect(detached.code, detached.stderr).toBe(0);
    expect(await eventually(exited, 10_000)).toBe(true);
    writeFileSync(join(ws.dir, "turns.json"), JSON.stringify({ turns: [{ text: "noted" }] }));
    const run = await lanes(["--model", "script:turns.json"], "hi\n");
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain("lanes: picked up 1 task from an earlier run: 1 ended\n");
    expect(run.stdout).toContain("⚑ 1 background result delivered to the model");
    expect(run.stdout + run.stderr).not.toMatch(/\(s\)|\b0 (still running|lost)/);
  });
});
