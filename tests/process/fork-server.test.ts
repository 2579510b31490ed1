import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { forkServerPerl } from "../../src/process/fork-server-perl.js";
import { runningNotZombie } from "../../src/process/proc-stat.js";
import type { LaunchWrapper } from "../../src/process/launch-wrapper.js";
import { startGroupProcess, type GroupProcessOptions } from "../../src/process/group-process.js";
import { useForkServerFixture } from "../helpers/fork-server-fixture.js";

const fixture = useForkServerFixture();

let runs = 0;
/** Runs `command` as lanes runs a task (exit file, stdin pipe), forked by the server or spawned. */
function run(command: string, served: boolean, extra: Partial<GroupProcessOptions> = {}) {
  const base = join(fixture.dir(), `run${++runs}`);
  return startGroupProcess({
    command,
    cwd: fixture.dir(),
    env: process.env,
    outputFile: `${base}.log`,
    exitFile: `${base}.exit`,
    stdin: "pipe",
    killGraceMs: 300,
    forkServer: served ? fixture.slot() : undefined,
    ...extra,
  });
}

describe.skipIf(process.platform !== "linux")("a command forked by the fork server", () => {
  it.each([
    ["exit 3"],
    ["kill -9 $$"],
    ["kill -TERM $$"],
    ["sh -c 'kill -INT $$'; echo after"],
    ["echo out; echo err >&2"],
  ])("ends as the spawned one does: %s", async (command) => {
    const [spawned, served] = await Promise.all(
      [run(command, false), run(command, true)].map((p) => p.exited),
    );
    const view = (r: typeof spawned) => ({ exitCode: r?.exitCode, signal: r?.signal, reason: r?.reason });
    expect(view(served)).toEqual(view(spawned));
    const logs = [runs - 1, runs].map((n) => readFileSync(join(fixture.dir(), `run${n}.log`), "utf8"));
    expect(logs[1]).toBe(logs[0]);
  });

  it("is killed as the spawned one is: TERM, then KILL once the grace ran out", async () => {
    const command = "trap '' TERM; echo ready; sleep 30";
    const both = [run(command, false), run(command, true)];
    await new Promise((resolve) => setTimeout(resolve, 300));
    const ends = await Promise.all(both.map(async (p) => (await p.terminate("killed"), p.exited)));
    expect(ends.map((r) => [r.signal, r.reason])).toEqual([
      ["SIGKILL", "killed"],
      ["SIGKILL", "killed"],
    ]);
  });

  it("reads its stdin from lanes, to the end", async () => {
    const child = run("cat; echo done", true);
    // Forked by the server, not spawned by this process (so the cases above compare two paths).
    const stat = readFileSync(`/proc/${child.pid}/stat`, "latin1");
    const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    expect(parent, `spawned instead: ${fixture.slot().lastRefusal}`).toBe(fixture.slot().get()?.pid);
    child.stdin?.end("line one\nline two\n");
    const end = await child.exited;
    expect(end.exitCode).toBe(0);
    expect(readFileSync(join(fixture.dir(), `run${runs}.log`), "utf8")).toBe("line one\nline two\ndone\n");
  });

  it("closes its stdin's write end when it ends, as Node does for a child: no descriptor is left open", async () => {
    // Alive a moment, so lanes opens the write end before it ends (a leader gone first leaves none to open).
    const child = run("sleep 0.5; exit 0", true);
    await child.exited;
    expect(child.stdin?.destroyed).toBe(true);
  });

  it("gives each task exactly its own environment: none of the last task's, none of the server's own", async () => {
    const envOf = async (env: NodeJS.ProcessEnv) => {
      const child = run("env -0", true, { env });
      expect((await child.exited).exitCode).toBe(0);
      const entries = readFileSync(join(fixture.dir(), `run${runs}.log`), "utf8")
        .split("\0")
        .filter(Boolean);
      const split = entries.map((entry) => [
        entry.slice(0, entry.indexOf("=")),
        entry.slice(entry.indexOf("=") + 1),
      ]);
      // What the shell adds of its own is not the task's environment.
      return Object.fromEntries(
        split.filter(([name]) => !["PWD", "SHLVL", "_", "OLDPWD"].includes(name ?? "")),
      );
    };
    const path = process.env.PATH;
    expect(await envOf({ PATH: path, KEEP: "same", GONE: "1", LANES_TASK_ID: "a" })).toEqual({
      PATH: path,
      KEEP: "same",
      GONE: "1",
      LANES_TASK_ID: "a",
    });
    // Only what changed goes to the server: a value changed, one with `=` and a newline added, one removed.
    const second = { PATH: path, KEEP: "changed", ODD: "a=b\nc", LANES_TASK_ID: "b" };
    expect(await envOf(second)).toEqual(second);
    // A wholly different environment replaces the base; the first one's entries do not come back.
    const many = {
      PATH: path,
      ...Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`V${i}`, String(i)])),
    };
    expect(await envOf(many)).toEqual(many);
    expect(await envOf({ PATH: path, V0: "x" })).toEqual({ PATH: path, V0: "x" });
  });

  it("that cannot start (its folder is gone) is a spawn error naming the folder, as a spawned one is, and the server serves on", async () => {
    const cwd = join(fixture.dir(), "no-such-dir");
    const [spawned, served] = await Promise.all(
      [run("true", false, { cwd }), run("true", true, { cwd })].map((p) => p.exited),
    );
    // Both name the folder: node's own error said "spawn /usr/bin/perl ENOENT", as if perl were missing
    // (and a launch the server does not answer in time under load is spawned).
    expect([spawned, served].map((r) => [r?.reason, r?.error])).toEqual([
      ["spawn_error", `cannot enter ${cwd}: No such file or directory`],
      ["spawn_error", `cannot enter ${cwd}: No such file or directory`],
    ]);
    expect((await run("exit 5", true).exited).exitCode).toBe(5);
  });

  it("makes its own FIFOs: it starts where no mkfifo program can be run, and serves", async () => {
    const path = process.env.PATH;
    // No program at all on PATH while it starts: a FIFO made by a child process (mkfifo) cannot be had.
    process.env.PATH = join(fixture.dir(), "no-programs");
    try {
      expect(fixture.slot().get()).toBeDefined();
    } finally {
      process.env.PATH = path;
    }
    const served = run("echo served; exit 4", true);
    expect(served.pid).toBe(Number(served.pid));
    expect((await served.exited).exitCode).toBe(4);
    expect(readFileSync(join(fixture.dir(), `run${runs}.log`), "utf8")).toBe("served\n");
  });

  it("one lanes never used leaves no process and no FIFO once closed", async () => {
    const server = fixture.slot().get();
    const pid = server?.pid ?? -1;
    // Its FIFOs made: it is up and waiting for lanes.
    const mine = () => readdirSync(tmpdir()).filter((name) => name.startsWith(`.lanes-fork-${process.pid}-`));
    await vi.waitUntil(() => mine().length === 2, { timeout: 5000 });
    fixture.slot().close();
    await vi.waitUntil(() => !runningNotZombie(pid), { timeout: 5000 });
    expect(mine()).toEqual([]);
  });

  it("whose lanes died before it reached the server: the server exits and removes its FIFOs", async () => {
    const fifos = [0, 1].map((n) => join(fixture.dir(), `fifo-${n}`));
    // Its parent (the stand-in for lanes) lives half a second, then goes without ever opening the FIFOs.
    const script = forkServerPerl()!;
    const parent = spawn("sh", ["-c", 'perl -e "$0" -- "$1" "$2" & sleep 0.5', script, ...fifos], {
      stdio: "ignore",
    });
    try {
      await vi.waitUntil(() => fifos.every((path) => existsSync(path)), { timeout: 5000 });
      await vi.waitUntil(() => fifos.every((path) => !existsSync(path)), { timeout: 5000, interval: 50 });
    } finally {
      parent.kill("SIGKILL");
    }
  });

  it("starts before the sandbox wraps the first command, so its perl starts while the sandbox is set up", async () => {
    const calls: string[] = [];
    // The manager's source, noting when it is asked; the sandbox notes when it wraps.
    const forkServer = { get: () => (calls.push("server"), fixture.slot().get()) };
    const sandbox: LaunchWrapper = { wrap: (plan) => (calls.push("wrap"), plan) };
    const first = run("echo wrapped", true, { sandbox, forkServer });
    expect((await first.exited).exitCode).toBe(0);
    expect(calls[0]).toBe("server");
    expect(calls).toContain("wrap");
    expect(readFileSync(join(fixture.dir(), `run${runs}.log`), "utf8")).toBe("wrapped\n");
  });
});
