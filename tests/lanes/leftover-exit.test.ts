import { spawn } from "node:child_process";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runningNotZombie } from "../../src/process/proc-stat.js";
import { tempWorkspace } from "../helpers/temp-workspace.js";

const ROOT = join(import.meta.dirname, "..", "..");
const FIXTURE = join(ROOT, "tests", "fixtures", "lanes-leftover-exit.ts");
// Far longer than a run needs: a process held open until the leftover's KILL is plain to see.
const GRACE_MS = 20_000;

let ws: { dir: string; cleanup: () => void } | undefined;
let leftover: number | undefined;
afterEach(() => {
  if (leftover !== undefined && runningNotZombie(leftover)) process.kill(leftover, "SIGKILL");
  leftover = undefined;
  ws?.cleanup();
});

/** Runs the fixture to its exit: the leftover's pid and how long it lived after printing it. */
async function run(
  mode: "group" | "lanes",
  graceMs = GRACE_MS,
): Promise<{ pid: number; lingeredMs: number }> {
  ws = tempWorkspace();
  const args = [join(ROOT, "bin", "run-ts.js"), FIXTURE, mode, ws.dir, String(graceMs)];
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
  let stdout = "";
  let printedAt = Number.NaN;
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
    printedAt = Number.isNaN(printedAt) ? Date.now() : printedAt;
  });
  const limit = setTimeout(() => child.kill("SIGKILL"), GRACE_MS + 10_000);
  try {
    const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
    leftover = Number(stdout.trim());
    expect(code).toBe(0);
  } finally {
    clearTimeout(limit);
  }
  expect(leftover).toBeGreaterThan(1);
  return { pid: leftover, lingeredMs: Date.now() - printedAt };
}

// Issue 19: each agent worker lingered up to 250 ms after its last reply, because the sweep that follows a
// command's exit (TERM its group, KILL after the grace) kept the event loop alive though its group was empty.
// A group that still has a member is another matter: only that sweep's KILL ends it (a sandbox's init waits
// for every process in its namespace), so the process stays for it.
describe("the sweep after a command's exit", () => {
  it("holds its process until the grace's KILL has ended a TERM-deaf member the command left", async () => {
    const { pid, lingeredMs } = await run("group", 1500);
    expect(runningNotZombie(pid)).toBe(false);
    expect(lingeredMs).toBeGreaterThanOrEqual(1000);
  }, 60_000);

  it("a lane manager's shutdown KILLs that leftover at once, and its process exits then, not after the grace", async () => {
    const { pid, lingeredMs } = await run("lanes");
    expect(lingeredMs).toBeLessThan(GRACE_MS / 2);
    expect(runningNotZombie(pid)).toBe(false);
  }, 60_000);
});
