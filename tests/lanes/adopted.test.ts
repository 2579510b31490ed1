import { spawn, spawnSync } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { newTaskRecord } from "../../src/lanes/task-lifecycle.js";
import { TaskStore } from "../../src/lanes/task-store.js";
import { useLaneFixture } from "../helpers/lane-fixture.js";

const ws = useLaneFixture();

/** Leaves a task on disk as a crashed lanes would: running, its process alive and marked, its owner dead. */
async function orphanedTask(dir: string, id: string, command: string): Promise<number> {
  const store = new TaskStore(join(dir, ".lanes"));
  const paths = store.paths(id);
  const fd = openSync(paths.log, "a");
  const child = spawn("/bin/sh", ["-c", command], {
    detached: true,
    stdio: ["ignore", fd, fd],
    env: { ...process.env, LANES_TASK_ID: id },
  });
  closeSync(fd);
  child.unref();
  const deadOwner = spawnSync("true").pid ?? 1;
  const record = {
    ...newTaskRecord(id, { command }, { cwd: dir, ...paths }),
    status: "running" as const,
    pid: child.pid ?? null,
    started_at: new Date().toISOString(),
    owner_pid: deadOwner,
  };
  await store.save(record);
  return child.pid ?? 0;
}

describe("tasks adopted after a restart", () => {
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
});
