import { spawn, type ChildProcess } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { ownerAlive } from "../../src/lanes/reconcile.js";

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
});

/** A process with "lanes" in its command line, started and given a moment to exec. */
async function started(file: string, args: string[]): Promise<number> {
  const child = spawn(file, args, { stdio: "ignore" });
  children.push(child);
  await new Promise((resolve) => setTimeout(resolve, 300));
  return child.pid ?? -1;
}

describe.runIf(process.platform === "linux")("ownerAlive: which live pid counts as a task's owner", () => {
  it("a task's shell carrying .lanes/ in its command line is not an owner (its pid may be a dead owner's)", async () => {
    const pid = await started("/bin/sh", ["-c", "sleep 30; : .lanes/tasks/abc.exit", "sh"]);
    expect(ownerAlive(pid)).toBe(false);
  });

  it("a node process running lanes is", async () => {
    const pid = await started(process.execPath, ["-e", "setTimeout(() => {}, 30000)", "dist/lanes.js"]);
    expect(ownerAlive(pid)).toBe(true);
  });

  it("a node process that is not lanes is not", async () => {
    const pid = await started(process.execPath, ["-e", "setTimeout(() => {}, 30000)"]);
    expect(ownerAlive(pid)).toBe(false);
  });
});
