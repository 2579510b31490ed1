import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { topmostHolder } from "../../src/process/fd-holders.js";
import { eventually } from "../helpers/temp-workspace.js";

// A fork server that dies between its fork and its reply: the task's leader is found by the files it holds.
let dir: string;
const children: number[] = [];
afterEach(() => {
  for (const pid of children.splice(0)) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // Gone already.
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

describe.runIf(process.platform === "linux")("topmostHolder", () => {
  it("finds the topmost of the processes holding a file open, and none once they are gone", async () => {
    dir = mkdtempSync(join(tmpdir(), "lanes-fd-holders-"));
    const log = join(dir, "task.log");
    const exit = join(dir, "task.exit");
    writeFileSync(log, "");
    // A leader holding the exit file, whose child shell holds the log (as a served task's chain does).
    const leader = spawn("/bin/sh", ["-c", `exec 3>"${exit}"; sh -c 'exec >>"${log}"; sleep 30' & wait`], {
      detached: true,
      stdio: "ignore",
    });
    children.push(leader.pid ?? 0);
    expect(await eventually(() => topmostHolder([log, exit]) === leader.pid, 5_000)).toBe(true);
    // Only the log asked for: its holder is the child, not the leader (once the child has opened it: the
    // leader holds the exit file from its first instant, the child's shell opens the log a moment later).
    let child: number | undefined;
    expect(await eventually(() => (child = topmostHolder([log])) !== undefined, 5_000)).toBe(true);
    expect(child).not.toBe(leader.pid);
    expect(child).toBeGreaterThan(0);
    expect(topmostHolder([join(dir, "nobody-holds-this")])).toBeUndefined();
    process.kill(-(leader.pid ?? 0), "SIGKILL");
    expect(await eventually(() => topmostHolder([log, exit]) === undefined, 5_000)).toBe(true);
  });
});
