import { readdirSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCli, testEnv } from "../helpers/run-cli.js";
import { tempWorkspace } from "../helpers/temp-workspace.js";

// The words a new user brings from git, docker and ps for what `lanes tasks` does.

let ws: { dir: string; cleanup: () => void };
beforeEach(() => (ws = tempWorkspace()));
afterEach(() => ws.cleanup());

const lanes = (args: string[]) => runCli(args, { cwd: ws.dir, input: "", env: testEnv() });

describe("lanes tasks show", () => {
  it("prints one task's record, a field a line, found by a 4-character prefix of its id", async () => {
    const ran = await lanes(["run", "--sandbox", "danger-full-access", "echo hi; exit 3"]);
    expect(ran.code, ran.stderr).toBe(3);
    const [file = ""] = readdirSync(join(ws.dir, ".lanes", "tasks")).filter((name) => name.endsWith(".json"));
    const id = file.replace(/\.json$/, "");
    const show = await lanes(["tasks", "show", id.slice(0, 4)]);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain(`id: ${id}\nstatus: failed, exit 3\ncommand: echo hi; exit 3\n`);
    expect(show.stdout).toContain(`output: 3 B in .lanes/tasks/${id}.log`);
  });
});

describe("task words at the top level", () => {
  it("lanes kill ID, lanes logs ID and lanes ps are pointed at lanes tasks, exit 2", async () => {
    const [kill, logs, ps] = await Promise.all([
      lanes(["kill", "ab12cd34"]),
      lanes(["logs", "ab12cd34"]),
      lanes(["ps"]),
    ]);
    for (const run of [kill, logs, ps]) expect(run.code, run.stderr).toBe(2);
    expect(kill.stderr).toContain(
      '"kill ab12cd34" is not a command: did you mean lanes tasks kill ab12cd34?',
    );
    expect(logs.stderr).toContain(
      '"logs ab12cd34" is not a command: did you mean lanes tasks logs ab12cd34?',
    );
    expect(ps.stderr).toContain('"ps" is not a command: did you mean lanes tasks?');
  });

  it("lanes tasks list says that lanes tasks alone lists them", async () => {
    const list = await lanes(["tasks", "list"]);
    expect(list.code, list.stderr).toBe(2);
    expect(list.stderr).toMatch(
      /"list" is not a command of lanes tasks: its commands are logs, prune, kill, show; lanes tasks alone lists the tasks \(--all: the ended ones too\)/,
    );
  });
});
