import { spawn, spawnSync } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { newTaskRecord } from "../../src/lanes/task-lifecycle.js";
import { noticeText } from "../../src/present/notice-text.js";
import type { RunningRecord } from "../../src/lanes/task-record.js";
import { TaskStore } from "../../src/lanes/task-store.js";
import { eventually } from "../helpers/temp-workspace.js";
import { useLaneFixture } from "../helpers/lane-fixture.js";

const ws = useLaneFixture();

/** Leaves a task on disk as a crashed lanes would: running, its process alive and marked, its owner dead. */
async function orphanedTask(
  dir: string,
  id: string,
  command: string,
  fields: Partial<RunningRecord> = {},
  marked = true,
): Promise<number> {
  const store = new TaskStore(join(dir, ".lanes"));
  const paths = store.paths(id);
  const fd = openSync(paths.log, "a");
  const child = spawn("/bin/sh", ["-c", command], {
    detached: true,
    stdio: ["ignore", fd, fd],
    env: marked ? { ...process.env, LANES_TASK_ID: id } : withoutMarker(process.env),
  });
  closeSync(fd);
  child.unref();
  const deadOwner = spawnSync("true").pid ?? 1;
  const record = {
    ...newTaskRecord(id, { command }, { cwd: dir, ...paths, ownerPid: process.pid }),
    status: "running" as const,
    pid: child.pid ?? null,
    started_at: new Date().toISOString(),
    owner_pid: deadOwner,
    ...fields,
  };
  await store.save(record);
  return child.pid ?? 0;
}

function withoutMarker(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...env };
  delete copy.LANES_TASK_ID;
  return copy;
}

describe("tasks adopted after a restart", () => {
  // A lanes that crashed the moment after a launch: its task's launcher had not yet exec'd the command, so no
  // process carried the marker (its environment was the fork server's). It is adopted by its leader's birth.
  it("a task whose processes carry no marker yet is adopted when its leader was born as its record says", async () => {
    const pid = await orphanedTask(ws.dir, "adopt0a1", "sleep 30", {}, false);
    const lanes = ws.manager();
    expect(lanes.recover().adopted).toEqual(["adopt0a1"]);
    expect(lanes.get("adopt0a1")).toMatchObject({ status: "running", pid });
    await lanes.kill("adopt0a1");
  });

  it("a live pid born long after its record's start (reused) with no marker is not the task's", async ({
    onTestFinished,
  }) => {
    const started = new Date(Date.now() - 60_000).toISOString();
    const pid = await orphanedTask(ws.dir, "adopt0a2", "sleep 30", { started_at: started }, false);
    // Not adopted, so no manager ends it; nor does the fixture's sweep (it carries no mark).
    onTestFinished(() => void process.kill(-pid, "SIGKILL"));
    const lanes = ws.manager();
    const recovery = lanes.recover();
    expect(recovery.adopted).toEqual([]);
    expect(lanes.get("adopt0a2")?.status).not.toBe("running");
  });

  it("count against their lane's limit", async () => {
    await orphanedTask(ws.dir, "adopt001", "sleep 30");
    const lanes = ws.manager({ defaultLaneLimit: 1 });
    expect(lanes.recover().adopted).toEqual(["adopt001"]);
    const next = lanes.start({ command: "echo after" });
    expect(next.status).toBe("queued");
    await lanes.kill("adopt001");
    const final = await lanes.whenEnded(next.id);
    expect(final.status).toBe("completed");
  });

  it("are killed once at the output cap, and say why", async () => {
    await orphanedTask(ws.dir, "adopt002", "trap '' TERM; yes");
    const lanes = ws.manager({ outputCapBytes: 100_000, killGraceMs: 300 });
    lanes.recover();
    const final = await lanes.whenEnded("adopt002");
    expect(final.status).toBe("killed");
    expect(final.end_reason).toBe("output_cap");
  });

  // The timeout leaves seconds after the match: under load the adoption itself can come a second late.
  it("are told to the model once, and get back their notify_on, stall and timeout", async () => {
    await orphanedTask(ws.dir, "adopt003", "sleep 0.4; echo ready-now; sleep 30", {
      notify_on: "ready-now",
      stall_ms: 60_000,
      timeout_ms: 3000,
    });
    const lanes = ws.manager();
    expect(lanes.recover().adopted).toEqual(["adopt003"]);
    const [carried] = lanes.drainNotifications();
    expect(carried?.kind).toBe("carried");
    expect(noticeText(lanes.workspace, carried!)).toMatch(
      /^\[bg:adopt003\] still running, started by an earlier lanes/,
    );
    expect(await eventually(() => lanes.notifications.has("adopt003"), 5000)).toBe(true);
    const [matched] = lanes.drainNotifications();
    expect(matched).toMatchObject({ kind: "matched", line: "ready-now" });
    const final = await lanes.whenEnded("adopt003");
    expect(final).toMatchObject({ status: "timed_out", end_reason: "timeout", signal: "SIGTERM" });
    const ran = Date.parse(final.ended_at!) - Date.parse(final.started_at!);
    expect(ran).toBeGreaterThanOrEqual(3000);
    expect(ran).toBeLessThan(10_000);
  });

  it("killed after ignoring TERM are recorded as ended by SIGKILL, at the KILL", async () => {
    await orphanedTask(ws.dir, "adopt004", "trap '' TERM; while :; do sleep 0.05; done");
    const lanes = ws.manager({ killGraceMs: 400 });
    lanes.recover();
    const asked = Date.now();
    const { record } = await lanes.kill("adopt004");
    expect(record).toMatchObject({ status: "killed", signal: "SIGKILL", end_reason: "killed" });
    expect(Date.parse(record.ended_at!) - asked).toBeGreaterThanOrEqual(400);
  });
});
