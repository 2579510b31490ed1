import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useLaneFixture } from "../helpers/lane-fixture.js";
import { MODES, useModeManagers, type Mode } from "../helpers/mode-manager.js";
import { runCli, testEnv } from "../helpers/run-cli.js";
import { eventually } from "../helpers/temp-workspace.js";

// A task's log is what its command printed: how lanes ended it is in the record, not in a "Terminated" line
// its shell adds when the running program dies of lanes' TERM; and a command that is not found reads as a
// plain shell says it, without the wrapper's `eval`.

const ws = useLaneFixture();
const modeManager = useModeManagers(ws);
const manager = (mode: Mode) => modeManager(mode);

const log = (file: string): string => {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
};

describe.runIf(process.platform === "linux")("a task's log holds only its command's output", () => {
  it.for(MODES)("killed while it runs a program: no 'Terminated' line from its shell (%s)", async (mode) => {
    const lanes = manager(mode);
    const record = lanes.start({ command: "echo ready; sleep 30; echo never" });
    expect(await eventually(() => log(record.output_file) === "ready\n", 10_000)).toBe(true);
    const { record: final } = await lanes.kill(record.id);
    expect({ status: final.status, signal: final.signal }).toEqual({ status: "killed", signal: "SIGTERM" });
    expect(log(record.output_file)).toBe("ready\n");
    expect(final.output_bytes).toBe(6);
  });

  it.for(MODES)(
    "a syntax error on the command's first line is in its log and exits 2, not a signal (%s)",
    async (mode) => {
      const lanes = manager(mode);
      const end = await lanes.whenEnded(lanes.start({ command: "if true" }).id);
      expect({ exit_code: end.exit_code, signal: end.signal }).toEqual({ exit_code: 2, signal: null });
      expect(log(end.output_file)).toMatch(/^sh: 1: Syntax error: /);
    },
  );

  it.for(MODES)("a command not found reads as a plain shell says it, exit 127 (%s)", async (mode) => {
    const lanes = manager(mode);
    const end = await lanes.whenEnded(lanes.start({ command: "nonexistentcmd-lanes" }).id);
    expect(end.exit_code).toBe(127);
    expect(log(end.output_file)).toBe("sh: 1: nonexistentcmd-lanes: not found\n");
  });

  it("lanes tasks kill of a detached task, its lanes gone, leaves no 'Terminated' line either", async ({
    onTestFinished,
  }) => {
    const lanes = (args: string[]) =>
      runCli(args, { cwd: ws.dir, input: "", env: testEnv(), onTestFinished });
    const run = await lanes(["run", "--detach", "--sandbox", "danger-full-access", "echo ready; sleep 30"]);
    expect(run.code, run.stderr).toBe(0);
    const id = /^(\w+) {2}started/.exec(run.stdout)?.[1] ?? "";
    const file = join(ws.dir, ".lanes", "tasks", `${id}.log`);
    expect(await eventually(() => log(file) === "ready\n", 10_000)).toBe(true);
    const kill = await lanes(["tasks", "kill", id]);
    expect(kill.code, kill.stderr).toBe(0);
    expect(log(file)).toBe("ready\n");
  });

  it("lanes run, attached, killed from another shell with lanes tasks kill: no 'Terminated' on its stderr", async ({
    onTestFinished,
  }) => {
    const env = testEnv();
    const attached = runCli(["run", "--sandbox", "danger-full-access", "echo ready; sleep 30"], {
      cwd: ws.dir,
      input: "",
      env,
      onTestFinished,
    });
    const tasks = join(ws.dir, ".lanes", "tasks");
    const logged = () =>
      readdirSync(tasks).find((name) => name.endsWith(".log") && log(join(tasks, name)) !== "");
    expect(await eventually(() => existsSync(tasks) && logged() !== undefined, 10_000)).toBe(true);
    const id = (logged() ?? "").replace(/\.log$/, "");
    const kill = await runCli(["tasks", "kill", id], { cwd: ws.dir, input: "", env, onTestFinished });
    expect(kill.code, kill.stderr).toBe(0);
    const run = await attached;
    expect(run.stdout).toBe("ready\n");
    expect(run.stderr).toBe("");
  });
});
