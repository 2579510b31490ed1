import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { findAgentWorker, readMappings, readRss } from "../../bench/agents-memory.js";
import { eventually } from "../helpers/temp-workspace.js";

/** A wrapper shell (as a task's exit-file wrapper) over an idle node whose argv names `role`, as in a task. */
function wrapped(onTestFinished: (hook: () => void) => void, role = "agent-worker") {
  const script = "setInterval(() => {}, 1000)";
  const line = `"$0" -e '${script}' ${role} spec.json; true`;
  const child = spawn("/bin/sh", ["-c", line, process.execPath], { stdio: "ignore", detached: true });
  onTestFinished(() => {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // already gone
    }
  });
  return child.pid!;
}

describe("agents bench: reading a worker's memory", () => {
  it("finds the agent-worker node under its task's wrapper shell, not the shell itself", async ({
    onTestFinished,
  }) => {
    const leader = wrapped(onTestFinished);
    const other = wrapped(onTestFinished, "mcp");
    expect(await eventually(() => findAgentWorker(leader) !== undefined, 10_000)).toBe(true);
    const worker = findAgentWorker(leader)!;
    expect(worker).not.toBe(leader);
    expect(readFileSync(`/proc/${worker}/cmdline`, "utf8")).toContain("spec.json");
    // A node under a wrapper that is no agent-worker is not taken for one.
    expect(await eventually(() => readRss(other) !== undefined)).toBe(true);
    expect(findAgentWorker(other)).toBeUndefined();
  });

  it("reads a node's RSS as anonymous + file-backed, its private part within it; a gone process reads undefined", async ({
    onTestFinished,
  }) => {
    const leader = wrapped(onTestFinished);
    expect(await eventually(() => findAgentWorker(leader) !== undefined, 10_000)).toBe(true);
    const worker = findAgentWorker(leader)!;
    // A started node holds its binary's pages and a heap (until then it is the shell's fork, exec'ing).
    const started = () => (readRss(worker)?.rssMb ?? 0) > 10 && (readRss(worker)?.anonMb ?? 0) > 1;
    expect(await eventually(started, 10_000)).toBe(true);
    const rss = readRss(worker)!;
    expect(Math.abs(rss.anonMb + rss.fileMb - rss.rssMb)).toBeLessThanOrEqual(0.3);
    expect(rss.privateMb).toBeLessThanOrEqual(rss.rssMb);
    // Node's start-up alone takes CPU: some ticks are counted.
    expect(rss.cpuMs).toBeGreaterThan(0);
    expect(rss.privateMb).toBeGreaterThanOrEqual(rss.anonMb - 1);
    process.kill(-leader, "SIGKILL");
    expect(await eventually(() => readRss(leader) === undefined, 10_000)).toBe(true);
  });

  it("splits a node's RSS by mapping (node's code and data, libraries, malloc, other anonymous) summing to the whole", async ({
    onTestFinished,
  }) => {
    const leader = wrapped(onTestFinished);
    expect(await eventually(() => findAgentWorker(leader) !== undefined, 10_000)).toBe(true);
    const worker = findAgentWorker(leader)!;
    const started = () => (readMappings(worker)?.nodeCodeMb ?? 0) > 5;
    expect(await eventually(started, 10_000)).toBe(true);
    // A node still starting grows between the two reads below (by 7-13 MB on a loaded machine): wait until
    // its RSS holds still for 100 ms.
    let last = -1;
    const settled = () => last === (last = readRss(worker)?.rssMb ?? -1);
    expect(await eventually(settled, 10_000, 100)).toBe(true);
    const parts = readMappings(worker)!;
    const rss = readRss(worker)!;
    const sum = Object.values(parts).reduce((total, value) => total + value, 0);
    // Read a moment apart from the total, each part rounded to 0.1 MB.
    expect(Math.abs(sum - rss.rssMb)).toBeLessThanOrEqual(1);
    expect(parts.nodeDataMb).toBeGreaterThan(1);
    expect(parts.librariesMb).toBeGreaterThan(0);
    expect(parts.otherAnonMb).toBeGreaterThan(0);
    process.kill(-leader, "SIGKILL");
    expect(await eventually(() => readMappings(leader) === undefined, 10_000)).toBe(true);
  });
});
