import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startGroupProcess } from "../../src/process/group-process.js";
import { findPerl, groupsShareSession } from "../../src/process/own-group-launch.js";
import { useProcessMarker } from "../helpers/process-marker.js";
import { eventually, tempWorkspace } from "../helpers/temp-workspace.js";

const marker = useProcessMarker();
let ws: { dir: string; cleanup: () => void };
beforeEach(() => (ws = tempWorkspace()));
afterEach(() => ws.cleanup());

/** pgid and session id from /proc/<pid>/stat ("pid (comm) state ppid pgrp session ..."). */
function groupAndSession(pid: number | "self"): { pgid: number; sid: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return { pgid: Number(fields[2]), sid: Number(fields[3]) };
}

// Autogroup scheduling makes every session a CPU share equal to lanes' own; a group in lanes' session does not.
describe.runIf(process.platform === "linux")("a task's process group", () => {
  it("is led by the launcher that records the code, its shell in the group, inside lanes' session", async () => {
    expect(groupsShareSession(), "perl is needed to make a group without setsid").toBe(true);
    const exitFile = join(ws.dir, "exit");
    const child = startGroupProcess({
      command: "read line; echo got $line; exit 4",
      cwd: ws.dir,
      env: marker.env(),
      outputFile: join(ws.dir, "out.log"),
      stdin: "pipe",
      exitFile,
    });
    const pid = child.pid ?? 0;
    // The launcher makes the group right after its own exec, so it may take a moment to show.
    expect(await eventually(() => groupAndSession(pid).pgid === pid)).toBe(true);
    expect(groupAndSession(pid).sid).toBe(groupAndSession("self").sid);
    // The launcher stays the leader (it waits and writes the exit code); the shell is its child, in the group.
    const program = (of: number) => readFileSync(`/proc/${of}/cmdline`, "latin1").split("\0")[0];
    const shell = () =>
      readFileSync(`/proc/${pid}/task/${pid}/children`, "latin1")
        .split(" ")
        .filter((child) => child !== "" && program(Number(child)) === "sh")
        .map(Number)[0];
    expect(await eventually(() => shell() !== undefined)).toBe(true);
    expect(program(pid)).toBe(findPerl());
    expect(groupAndSession(shell() ?? 0).pgid).toBe(pid);
    child.stdin?.end("hello\n");
    expect(await child.exited).toMatchObject({ exitCode: 4, signal: null });
    expect(readFileSync(join(ws.dir, "out.log"), "utf8")).toBe("got hello\n");
    expect(readFileSync(exitFile, "utf8")).toBe("4\n");
  });

  it("keeps the command's perl settings away from the launcher but hands them to the command", async () => {
    const env = { ...marker.env(), PERL5OPT: "-Mlanes_no_such_module", PERL5LIB: "/nowhere" };
    const child = startGroupProcess({
      command: 'echo "$PERL5OPT $PERL5LIB"; env | grep -c __LANES_KEEP_',
      cwd: ws.dir,
      env,
      outputFile: join(ws.dir, "out.log"),
      stdin: "ignore",
    });
    expect(await child.exited).toMatchObject({ exitCode: 1, signal: null });
    expect(readFileSync(join(ws.dir, "out.log"), "utf8")).toBe("-Mlanes_no_such_module /nowhere\n0\n");
  });

  it("is ended by a kill sent at once, before the launcher could have made the group", async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        const child = startGroupProcess({
          command: "sleep 30",
          cwd: ws.dir,
          env: marker.env(),
          outputFile: join(ws.dir, `out-${i}.log`),
          stdin: "ignore",
          killGraceMs: 500,
        });
        await child.terminate("killed");
        return child.exited;
      }),
    );
    for (const result of results) expect(result).toMatchObject({ signal: "SIGTERM", reason: "killed" });
  });

  it("is still ended whole by a group kill, the group's id being the pid lanes knows", async () => {
    const pidFile = join(ws.dir, "inner.pid");
    const child = startGroupProcess({
      command: `sleep 30 & echo $! > ${pidFile}; wait`,
      cwd: ws.dir,
      env: marker.env(),
      outputFile: join(ws.dir, "out.log"),
      stdin: "ignore",
      killGraceMs: 500,
    });
    expect(
      await eventually(() => readFileSync(pidFile, { encoding: "utf8", flag: "a+" }).trim() !== ""),
    ).toBe(true);
    const inner = Number(readFileSync(pidFile, "utf8"));
    expect(groupAndSession(inner).pgid).toBe(child.pid);
    await child.terminate("killed");
    expect(await child.exited).toMatchObject({ signal: "SIGTERM", reason: "killed" });
  });
});
