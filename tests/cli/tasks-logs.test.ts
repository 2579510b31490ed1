import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createBackgroundRunTool } from "../../src/tools/background-run.js";
import { TEST_MARK_VARIABLE } from "../helpers/process-marker.js";
import { useLaneFixture } from "../helpers/lane-fixture.js";
import { LANES_BIN, testEnv } from "../helpers/run-cli.js";
import { eventually } from "../helpers/temp-workspace.js";
import { callResult } from "../helpers/tool-harness.js";
import { requireTmux, TmuxTerminal } from "../helpers/tmux.js";

const ws = useLaneFixture();
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

/** What a hostile task prints: a title (OSC 0), a clear and cursor home, \r, NUL, DEL, C1 CSI, bad UTF-8. */
const HOSTILE = Buffer.concat([
  Buffer.from("\x1b]0;pwned-title\x07\x1b[2J\x1b[Hfirst\r\nprogress 50%\rprogress 100%\n", "latin1"),
  Buffer.from([0x00, 0x7f, 0xc2, 0x9b, 0x32, 0x4a, 0xff, 0xc3, 0x0a]),
  Buffer.from("\x1b[31mred\x1b[0m last\n", "latin1"),
]);

/** A finished task of this workspace whose log holds exactly HOSTILE; returns its id. */
async function hostileTask(): Promise<string> {
  writeFileSync(join(ws.dir, "hostile.bin"), HOSTILE);
  const lanes = ws.manager();
  const { details } = await callResult(createBackgroundRunTool(lanes), { command: "cat hostile.bin" });
  const id = details.task_id;
  const record = await lanes.whenEnded(id);
  expect(readFileSync(record.output_file).equals(HOSTILE)).toBe(true);
  // The record reaches the disk a moment after the end: the CLI reads it from there.
  const stored = join(ws.dir, ".lanes", "tasks", `${id}.json`);
  const ended = () => existsSync(stored) && readFileSync(stored, "utf8").includes('"status": "completed"');
  expect(await eventually(ended, 10_000), "the ended record on disk").toBe(true);
  return id;
}

/** lanes on a tmux terminal in the test's workspace, its processes marked for the sweep after the test. */
function terminalEnv(): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: ws.dir,
    XDG_CONFIG_HOME: join(ws.dir, "config"),
    TERM: "screen",
    [TEST_MARK_VARIABLE]: ws.mark,
  };
}
describe("lanes tasks logs", () => {
  it("into a pipe prints the log byte for byte: escapes, \\r, NUL and invalid UTF-8 included", async () => {
    const id = await hostileTask();
    for (const follow of [[], ["-f"]]) {
      const run = spawnSync(process.execPath, [LANES_BIN, "tasks", "logs", id, ...follow], {
        cwd: ws.dir,
        env: testEnv({ [TEST_MARK_VARIABLE]: ws.mark }),
        timeout: 30_000,
      });
      expect(run.status, run.stderr.toString()).toBe(0);
      expect(run.stdout.equals(HOSTILE), JSON.stringify(run.stdout.toString("latin1"))).toBe(true);
    }
  });

  it("on a terminal shows escapes inert: the title stays, nothing printed before is cleared", async () => {
    requireTmux();
    const id = await hostileTask();
    const env = terminalEnv();
    const script = `echo before-the-logs; exec "$0" "$1" tasks logs ${id}`;
    const term = new TmuxTerminal(["sh", "-c", script, process.execPath, LANES_BIN], { cwd: ws.dir, env });
    cleanups.push(() => term.kill());
    await term.waitFor("[exited 0]", 20_000);
    expect(term.title()).not.toContain("pwned");
    const screen = term.screen();
    expect(screen).toContain("before-the-logs");
    // Shown, not obeyed: the sequences are there as text for the user to see.
    expect(screen).toContain("^[]0;pwned-title^G^[[2J^[[Hfirst");
    expect(screen).toContain("progress 50%^Mprogress 100%");
    expect(screen).toContain("^[[31mred^[[0m last");
    expect(term.screen(true)).not.toContain("\x1b[31m");
  });
});

describe("lanes tasks logs of a task that printed nothing", () => {
  it("says so on a terminal, instead of printing nothing at all", async () => {
    requireTmux();
    const lanes = ws.manager();
    const { details } = await callResult(createBackgroundRunTool(lanes), { command: "true" });
    const id = details.task_id;
    await lanes.whenEnded(id);
    const stored = join(ws.dir, ".lanes", "tasks", `${id}.json`);
    const ended = () => existsSync(stored) && readFileSync(stored, "utf8").includes('"status": "completed"');
    expect(await eventually(ended, 10_000), "the ended record on disk").toBe(true);
    const env = terminalEnv();
    const term = new TmuxTerminal([process.execPath, LANES_BIN, "tasks", "logs", id], { cwd: ws.dir, env });
    cleanups.push(() => term.kill());
    await term.waitFor("[exited 0]", 20_000);
    expect(term.screen()).toContain(`(task ${id} printed no output)`);
  });
});

describe("lanes tasks logs -f on a terminal", () => {
  it("says how the task ended once it ends, after the last of its output", async () => {
    requireTmux();
    const lanes = ws.manager();
    const { details } = await callResult(createBackgroundRunTool(lanes), {
      command: "echo first; sleep 1; echo last; exit 3",
    });
    const id = details.task_id;
    const env = terminalEnv();
    const follow = [process.execPath, LANES_BIN, "tasks", "logs", "-f", id];
    const term = new TmuxTerminal(follow, { cwd: ws.dir, env });
    cleanups.push(() => term.kill());
    await term.waitFor("[exited 0]", 20_000);
    // Read from the exit file before its lanes recorded it, the end also says so: the start is the same.
    expect(term.screen()).toMatch(new RegExp(`first\\nlast\\n\\(task ${id} ended: failed, exit 3[,)]`));
  });
});

describe("lanes --help", () => {
  it("names the tasks subcommands a user needs to find a task's output and stop it", () => {
    const run = spawnSync(process.execPath, [LANES_BIN, "--help"], { env: testEnv(), timeout: 30_000 });
    expect(run.stdout.toString()).toMatch(
      /tasks \[options\]\s+list the workspace's background tasks; tasks\s+logs ID \[-f\], tasks kill ID/,
    );
  });
});
