import { defaultSandbox } from "../helpers/default-sandbox.js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { groupScans } from "../../src/process/group-members.js";
import { startGroupProcess } from "../../src/process/group-process.js";
import type { CommandSandbox } from "../../src/sandbox/sandbox.js";

// Issue 15: when a sandboxed command's leader (the outer bwrap) exits, its group lives on for a moment (the
// namespace's init tearing down, then a zombie until the host's init reaps it). Each such exit polled the
// group every 25 ms with a scan of all of /proc, so 500 tasks ending within seconds cost a scan every 25 ms.

let dir: string;
let sandbox: CommandSandbox | undefined;
afterEach(() => {
  sandbox?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe.runIf(process.platform === "linux")("the group sweep after a leader's exit", () => {
  it("a burst of 30 sandboxed task ends costs a few /proc scans, not one every 25 ms", async () => {
    dir = mkdtempSync(join(tmpdir(), "lanes-exit-scans-"));
    sandbox = defaultSandbox(dir);
    const start = (i: number) =>
      startGroupProcess({
        command: "true",
        cwd: dir,
        env: process.env,
        stdin: "ignore",
        outputFile: join(dir, `${i}.log`),
        exitFile: join(dir, `${i}.exit`),
        sandbox,
      }).exited;
    await start(-1);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const before = groupScans();
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => start(i)));
    for (const result of results) expect(result.exitCode).toBe(0);
    // The sweeps of those groups run on for a while after the last exit.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const scans = groupScans() - before;
    // A few: a burst spread over seconds by a loaded machine gets a scan per poll it spans (5 seen at load 20).
    expect(scans).toBeLessThanOrEqual(8);
  }, 60_000);
});
