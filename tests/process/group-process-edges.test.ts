import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startGroupProcess } from "../../src/process/group-process.js";
import { signalGroup } from "../../src/process/kill-group.js";
import {
  endMarkedProcessesAsync,
  findMarkedProcesses,
  findMarkedProcessesAsync,
  markerIn,
} from "../../src/process/marked-processes.js";
import { useProcessMarker } from "../helpers/process-marker.js";
import { eventually, tempWorkspace } from "../helpers/temp-workspace.js";

const marker = useProcessMarker();

let ws: { dir: string; cleanup: () => void };
beforeEach(() => (ws = tempWorkspace()));
afterEach(() => ws.cleanup());

describe("task marker", () => {
  it("reads only the exact LANES_TASK_ID variable from an environ text", () => {
    expect(markerIn("OLD_LANES_TASK_ID=aaaa\0PATH=/bin\0LANES_TASK_ID=bbbb\0")).toBe("bbbb");
    expect(markerIn("OLD_LANES_TASK_ID=aaaa\0PATH=/bin")).toBeUndefined();
    expect(markerIn("LANES_TASK_ID=cccc\0PATH=/bin")).toBe("cccc");
    expect(markerIn("PATH=/bin\0LANES_TASK_ID=dddd")).toBe("dddd");
    expect(markerIn("PATH=/bin\0LANES_TASK_ID=\0")).toBe("");
    expect(markerIn("")).toBeUndefined();
  });
});

describe("group process edges", () => {
  it("hides the exit-file wrapper's arguments: the command sees $# = 0 and $0 = sh, as under sh -c", async () => {
    const outputFile = join(ws.dir, "out.log");
    const child = startGroupProcess({
      command: 'echo "argc=$# first=[$1] zero=$0"',
      cwd: ws.dir,
      env: process.env,
      outputFile,
      exitFile: join(ws.dir, "t.exit"),
      stdin: "ignore",
    });
    expect((await child.exited).exitCode).toBe(0);
    expect(readFileSync(outputFile, "utf8")).toBe("argc=0 first=[] zero=sh\n");
  });

  it("reports a log that cannot be opened as a spawn error, not an exception", async () => {
    const child = startGroupProcess({
      command: "true",
      cwd: ws.dir,
      env: process.env,
      outputFile: join(ws.dir, "missing-dir", "out.log"),
      stdin: "ignore",
    });
    const result = await child.exited;
    expect(result.reason).toBe("spawn_error");
    expect(result.error).toMatch(/ENOENT/);
  });

  it("signalling a group that does not exist returns false instead of throwing", () => {
    // ESRCH here; EPERM (a group left to another user) takes the same catch, but root cannot provoke it.
    expect(() => signalGroup(999_999_999, "SIGTERM")).not.toThrow();
    expect(signalGroup(999_999_999, "SIGTERM")).toBe(false);
  });

  it("a released process keeps no timer of lanes alive and is not killed at its timeout", async () => {
    const outputFile = join(ws.dir, "out.log");
    const child = startGroupProcess({
      command: "sleep 1; echo survived",
      cwd: ws.dir,
      env: process.env,
      outputFile,
      stdin: "pipe",
      timeoutMs: 200,
    });
    child.release();
    const result = await child.exited;
    expect(result.reason).toBe("exit");
    expect(readFileSync(outputFile, "utf8")).toBe("survived\n");
  });
});

describe("the marker sweep off the event loop", () => {
  it("finds what the synchronous scan finds, and ends it", async () => {
    const id = `sweep-${process.pid}-${Date.now()}`;
    const child = spawn("sleep", ["30"], { env: { ...marker.env(), LANES_TASK_ID: id }, stdio: "ignore" });
    const ids = new Set([id]);
    expect(await eventually(() => findMarkedProcesses(ids).length === 1)).toBe(true);
    expect(await findMarkedProcessesAsync(ids)).toEqual([{ pid: child.pid, taskId: id }]);
    expect(await findMarkedProcessesAsync(new Set(["no-such-task"]))).toEqual([]);
    const exited = new Promise((resolve) => child.once("exit", (_code, signal) => resolve(signal)));
    expect(await endMarkedProcessesAsync(ids, 500)).toBe(1);
    expect(await exited).toBe("SIGTERM");
  });
});
