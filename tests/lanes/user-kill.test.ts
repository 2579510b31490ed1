import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { killStoredTask } from "../../src/lanes/stored-tasks.js";
import { newTaskRecord } from "../../src/lanes/task-lifecycle.js";
import { TaskStore } from "../../src/lanes/task-store.js";
import { eventually } from "../helpers/temp-workspace.js";
import { storedKillText } from "../../src/present/stored-kill-text.js";
import { useLaneFixture } from "../helpers/lane-fixture.js";

const ws = useLaneFixture();

describe("lanes tasks kill on a task its live lanes holds", () => {
  it("a queued task never starts: it ends as killed by the user when its slot frees, and the next one runs", async () => {
    const m = ws.manager({ laneLimits: { tests: 1 } });
    const first = m.start({ command: "sleep 30", lane: "tests" });
    const queued = m.start({ command: "echo should-not-run > ran", lane: "tests" });
    const third = m.start({ command: "echo third", lane: "tests" });
    expect(m.get(queued.id)?.status).toBe("queued");
    await m.flush();
    const said = killStoredTask(ws.dir, queued.id, 100, process.pid);
    await m.kill(first.id);
    const kill = await said;
    expect(kill).toMatchObject({ kind: "never-starts", id: queued.id, record: { status: "killed" } });
    expect(storedKillText(kill)).toContain(`Task ${queued.id} had not started and never will: killed`);
    const ended = await m.whenEnded(queued.id);
    expect(ended).toMatchObject({
      status: "killed",
      started_at: null,
      end_reason: "user_kill",
      end_detail: "killed by the user (lanes tasks kill)",
    });
    expect(await m.whenEnded(third.id)).toMatchObject({ status: "completed" });
    expect(existsSync(join(ws.dir, "ran"))).toBe(false);
  });

  // Right after a start, the task's leader (lanes' launcher, not yet exec'd into the command's shell) carries
  // the fork server's environment, not the task's marker: the kill said "not running" of a running task.
  it("a task in its first moment, before any of its processes carries the marker, is killed, not called not running", async ({
    onTestFinished,
  }) => {
    // A live lanes as the kill sees one (node, "lanes" in its command line) that never writes the end itself.
    const owner = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)", "lanes-owner"], {
      stdio: "ignore",
    });
    const task = spawn("sleep", ["60"], { detached: true, stdio: "ignore", env: { PATH: process.env.PATH } });
    onTestFinished(() => void [owner, task].forEach((child) => child.kill("SIGKILL")));
    const store = new TaskStore(join(ws.dir, ".lanes"));
    const paths = store.paths("f1r57b17");
    await store.save({
      ...newTaskRecord(
        "f1r57b17",
        { command: "sleep 60" },
        { cwd: ws.dir, log: paths.log, exit: paths.exit, ownerPid: owner.pid ?? 0 },
      ),
      status: "running",
      pid: task.pid ?? 0,
      started_at: new Date().toISOString(),
    });
    const kill = await killStoredTask(ws.dir, "f1r57b17", 100, process.pid);
    expect(kill.kind).toBe("killed");
    expect(await eventually(() => task.signalCode !== null, 5_000)).toBe(true);
  });
});
