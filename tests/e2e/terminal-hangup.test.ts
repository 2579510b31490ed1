/* eslint-disable @typescript-eslint/no-explicit-any -- task records are read as loose JSON */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { TEST_MARK_VARIABLE, useProcessMarker } from "../helpers/process-marker.js";
import { LANES_BIN } from "../helpers/run-cli.js";
import { eventually, pidAlive, tempWorkspace } from "../helpers/temp-workspace.js";
import { requireTmux, TmuxTerminal } from "../helpers/tmux.js";

// Tasks share lanes' session (a group each, no setsid), so this is the case that could now go wrong: the
// terminal lanes runs in closes. Only lanes may get its SIGHUP; a persisted task must live on.
const cleanups: Array<() => void> = [];
const marker = useProcessMarker();
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

function records(dir: string): any[] {
  const tasks = join(dir, ".lanes", "tasks");
  const names = (() => {
    try {
      return readdirSync(tasks).filter((name) => name.endsWith(".json"));
    } catch {
      return [];
    }
  })();
  return names.map((name) => JSON.parse(readFileSync(join(tasks, name), "utf8")));
}

describe("when lanes' terminal closes", { timeout: 60_000 }, () => {
  it("lanes ends its tasks but a persisted one, which never had the terminal, lives on", async () => {
    requireTmux();
    const workspace = tempWorkspace("lanes-hangup-");
    cleanups.push(workspace.cleanup);
    const dir = workspace.dir;
    const script = join(dir, "script.json");
    // The persisted task says whether it could open the terminal, then outlives lanes.
    const persisted =
      "if (exec </dev/tty) 2>/dev/null; then echo has-tty; else echo no-tty; fi; exec sleep 300";
    const turns = [
      {
        tool_calls: [
          { name: "background_run", input: { command: persisted, persist: true } },
          { name: "background_run", input: { command: "sleep 300" } },
        ],
      },
      { text: "both started" },
    ];
    writeFileSync(script, JSON.stringify({ turns }));
    const argv = [
      process.execPath,
      LANES_BIN,
      "--model",
      `script:${script}`,
      "-p",
      "go",
      "--max-wait",
      "120",
    ];
    const term = new TmuxTerminal(argv, {
      cwd: dir,
      // The test's mark goes through the environment the tasks inherit, so the afterEach ends the survivor.
      env: {
        ...{
          PATH: process.env.PATH,
          HOME: join(dir, "home"),
          XDG_CONFIG_HOME: join(dir, "config"),
          TERM: "screen",
        },
        [TEST_MARK_VARIABLE]: marker.value,
      },
    });
    cleanups.push(() => term.kill());
    const started = () => records(dir).filter((record) => record.status === "running" && record.pid);
    expect(await eventually(() => started().length === 2, 30_000, 100), term.screen()).toBe(true);
    const [keep] = started().filter((record) => record.persist);
    const [other] = started().filter((record) => !record.persist);
    const lanesPid: number = keep.owner_pid;
    expect(pidAlive(lanesPid)).toBe(true);

    term.kill();

    expect(await eventually(() => !pidAlive(lanesPid), 15_000, 50), "lanes outlived its terminal").toBe(true);
    const after = new Map(records(dir).map((record) => [record.id, record]));
    expect(after.get(other.id)).toMatchObject({ status: "killed" });
    expect(pidAlive(other.pid)).toBe(false);
    expect(pidAlive(keep.pid), "the persisted task died with the terminal").toBe(true);
    expect(after.get(keep.id)?.status).toBe("running");
    expect(readFileSync(keep.output_file, "utf8")).toBe("no-tty\n");
    process.kill(-keep.pid, "SIGKILL");
  });
});
