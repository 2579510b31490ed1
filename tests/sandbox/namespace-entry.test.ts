import { defaultSandbox } from "../helpers/default-sandbox.js";
import { mkdtempSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startGroupProcess } from "../../src/process/group-process.js";
import type { CommandSandbox } from "../../src/sandbox/sandbox.js";

// How a sandboxed command enters the session's shared network namespace: the group launcher (perl) enters
// it with setns before it execs bubblewrap, instead of an nsenter exec per command (issue 15: an exec of
// nsenter cost about 2-4 ms of CPU per task, 500 tasks at once paid it 500 times).

let dir: string;
let sandbox: CommandSandbox | undefined;
afterEach(() => {
  sandbox?.close();
  sandbox = undefined;
  rmSync(dir, { recursive: true, force: true });
});

function sessionSandbox(): CommandSandbox {
  dir = mkdtempSync(join(tmpdir(), "lanes-ns-entry-"));
  const made = defaultSandbox(dir);
  if (!made) throw new Error("workspace-write made no sandbox");
  return (sandbox = made);
}

/** What `command` printed, run sandboxed as lanes runs a task (exit-file wrapper, own group). */
async function output(wrapper: CommandSandbox, command: string, name: string): Promise<string> {
  const base = join(dir, name);
  const run = startGroupProcess({
    command,
    cwd: dir,
    env: process.env,
    stdin: "ignore",
    outputFile: `${base}.log`,
    exitFile: `${base}.exit`,
    sandbox: wrapper,
  });
  const result = await run.exited;
  const text = readFileSync(`${base}.log`, "utf8");
  expect(result.exitCode, text).toBe(0);
  return text.trim();
}

describe.runIf(process.platform === "linux")("entering the session's shared network", () => {
  it("starts bubblewrap itself, with no nsenter exec: the launcher is handed the namespaces to enter", () => {
    const wrapper = sessionSandbox();
    const plan = wrapper.wrap({ file: "/bin/sh", args: ["-c", "true"], env: process.env }, dir);
    expect(basename(plan.file)).toBe("bwrap");
    expect(plan.args.some((arg) => basename(arg) === "nsenter")).toBe(false);
    expect(plan.namespaces?.at(-1)).toMatch(/^\/proc\/\d+\/ns\/net$/);
  });

  it("two commands share one network namespace, not lanes' own", async () => {
    const wrapper = sessionSandbox();
    const first = await output(wrapper, "readlink /proc/self/ns/net", "a");
    const second = await output(wrapper, "readlink /proc/self/ns/net", "b");
    expect(first).toMatch(/^net:\[\d+\]$/);
    expect(second).toBe(first);
    expect(first).not.toBe(readlinkSync("/proc/self/ns/net"));
  });
});
