import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { LaneManager, LaneManagerOptions } from "../../src/lanes/lane-manager.js";
import { noticeText } from "../../src/present/notice-text.js";
import type { Notification } from "../../src/lanes/notification-queue.js";
import { TaskRecordSchema } from "../../src/lanes/task-record.js";
import { processGone } from "../fixtures/process-state.js";
import { useLaneFixture } from "../helpers/lane-fixture.js";
import { eventually, sleep } from "../helpers/temp-workspace.js";
import { Pattern } from "../../src/patterns/pattern.js";

/** The text the model reads for a notice (empty when there is none). */
const textOf = (m: LaneManager, notice: Notification | undefined): string =>
  notice ? noticeText(m.workspace, notice) : "";

const ws = useLaneFixture();

function manager(options: Partial<LaneManagerOptions> = {}): LaneManager {
  return ws.manager(options);
}

/** The pids a command wrote to `file`, one a line. */
function childPids(file: string): number[] {
  try {
    return readFileSync(file, "utf8")
      .split("\n")
      .filter((line) => /^\d+$/.test(line))
      .map(Number);
  } catch {
    return [];
  }
}

function stored(id: string) {
  return TaskRecordSchema.parse(
    JSON.parse(readFileSync(join(ws.dir, ".lanes", "tasks", `${id}.json`), "utf8")),
  );
}

describe("lane manager", () => {
  it("returns a running record at once and finishes it with the true exit code", async () => {
    const m = manager();
    // Gated on a file the test creates only afterwards: start() cannot have waited for the end.
    const record = m.start({ command: "until [ -e go ]; do sleep 0.05; done; echo done; exit 4" });
    expect(record.status).toBe("running");
    expect(m.get(record.id)?.status).toBe("running");
    writeFileSync(join(ws.dir, "go"), "");
    const final = await m.whenEnded(record.id);
    expect(final).toMatchObject({ status: "failed", exit_code: 4, signal: null });
    await m.flush();
    expect(stored(record.id)).toMatchObject({ status: "failed", exit_code: 4 });
    expect(readFileSync(record.output_file, "utf8")).toBe("done\n");
  });

  it("queues exactly one notification per finished task and persists notified on delivery", async () => {
    const m = manager();
    const record = m.start({ command: "echo hello" });
    await m.whenEnded(record.id);
    const first = m.drainNotifications();
    expect(first).toHaveLength(1);
    expect(textOf(m, first[0])).toContain(`[bg:${record.id}] completed, exit 0`);
    expect(textOf(m, first[0])).toContain("hello");
    expect(m.drainNotifications()).toHaveLength(0);
    m.markDelivered([record.id]);
    await m.flush();
    expect(stored(record.id).notified).toBe(true);
  });

  it("creates .lanes private and git-ignored", () => {
    manager();
    expect(statSync(join(ws.dir, ".lanes")).mode & 0o777).toBe(0o700);
    expect(readFileSync(join(ws.dir, ".lanes", ".gitignore"), "utf8")).toBe("*\n");
  });

  it("marks a task over its timeout timed_out", async () => {
    const m = manager();
    const record = m.start({ command: "sleep 30", timeoutMs: 200 });
    const final = await m.whenEnded(record.id);
    expect(final.status).toBe("timed_out");
    expect(final.end_reason).toBe("timeout");
  });

  it("kills a task with kill() and reports killed", async () => {
    const m = manager();
    const record = m.start({ command: "sleep 30" });
    const { record: final, wasRunning } = await m.kill(record.id);
    expect(wasRunning).toBe(true);
    expect(final.status).toBe("killed");
    const again = await m.kill(record.id);
    expect(again.wasRunning).toBe(false);
  });

  it("queues tasks over a lane's limit and starts them in order", async () => {
    const m = manager({ laneLimits: { tests: 2 } });
    const a = m.start({ command: "sleep 0.4", lane: "tests" });
    const b = m.start({ command: "sleep 0.4", lane: "tests" });
    const c = m.start({ command: "sleep 0.1", lane: "tests" });
    const d = m.start({ command: "sleep 0.1", lane: "tests" });
    expect([a.status, b.status, c.status, d.status]).toEqual(["running", "running", "queued", "queued"]);
    const cFinal = await m.whenEnded(c.id);
    const [aFinal, bFinal] = [await m.whenEnded(a.id), await m.whenEnded(b.id)];
    // c takes the first free slot, whichever of a and b freed it.
    const firstEnd = Math.min(Date.parse(aFinal.ended_at ?? ""), Date.parse(bFinal.ended_at ?? ""));
    expect(Date.parse(cFinal.started_at ?? "")).toBeGreaterThanOrEqual(firstEnd - 50);
    const dFinal = await m.whenEnded(d.id);
    expect(Date.parse(dFinal.started_at ?? "")).toBeGreaterThanOrEqual(Date.parse(cFinal.started_at ?? ""));
  });

  it("drains failures before successes and folds a match notice under the task's end", async () => {
    const m = manager();
    // The match scrolls out of the end's output preview, so only folding can keep what it said.
    // It ends only once the match notice is queued (the pattern worker answers on a later tick).
    const gate = join(ws.dir, "gate");
    const ok = m.start({
      command: `echo 'ready on :3000'; while [ ! -f ${gate} ]; do sleep 0.05; done; seq 1 400`,
      notifyOn: Pattern.compile("ready"),
    });
    expect(await eventually(() => m.notifications.has(ok.id))).toBe(true);
    writeFileSync(gate, "");
    await m.whenEnded(ok.id);
    const bad = m.start({ command: "exit 2" });
    await m.whenEnded(bad.id);
    const drained = m.drainNotifications();
    expect(drained.map((n) => [n.taskId, n.kind])).toEqual([
      [bad.id, "ended"],
      [ok.id, "ended"],
    ]);
    expect(textOf(m, drained[1])).toMatch(/completed, exit 0.*matched notify_on: ready on :3000/);
  });

  it("notifies once when output first matches notify_on", async () => {
    const m = manager();
    const record = m.start({
      command: "echo starting; sleep 0.2; echo 'server ready on :3000'; echo ready again; sleep 2",
      notifyOn: Pattern.compile("ready"),
    });
    expect(await eventually(() => m.notifications.size > 0)).toBe(true);
    const [notice] = m.drainNotifications();
    expect(notice?.kind).toBe("matched");
    expect(textOf(m, notice)).toContain("server ready on :3000");
    await sleep(300);
    expect(m.drainNotifications()).toHaveLength(0);
    await m.kill(record.id);
  });

  it("sends one stall notice with the last line when a task goes silent", async () => {
    const m = manager();
    const record = m.start({ command: "echo 'Continue? [y/N]'; sleep 5", stallMs: 300 });
    expect(await eventually(() => m.notifications.size > 0, 3000)).toBe(true);
    const [notice] = m.drainNotifications();
    expect(notice?.kind).toBe("stalled");
    expect(textOf(m, notice)).toContain("Continue? [y/N]");
    await sleep(400);
    expect(m.drainNotifications()).toHaveLength(0);
    await m.kill(record.id);
  });

  it("kills a task at the output cap and records why", async () => {
    const m = manager({ outputCapBytes: 200_000 });
    const record = m.start({ command: "yes" });
    const final = await m.whenEnded(record.id);
    expect(final.status).toBe("killed");
    expect(final.end_reason).toBe("output_cap");
    expect(final.output_bytes).toBeGreaterThan(200_000);
  });

  it("round-trips text through a task's stdin", async () => {
    const m = manager();
    const record = m.start({ command: "read name; echo hello $name" });
    await m.sendInput(record.id, "lanes\n", false);
    const final = await m.whenEnded(record.id);
    expect(final.status).toBe("completed");
    expect(readFileSync(record.output_file, "utf8")).toBe("hello lanes\n");
  });

  it("waits for any, for all, and gives up at the timeout", async () => {
    const m = manager();
    const fast = m.start({ command: "sleep 0.1" });
    const slow = m.start({ command: "sleep 0.6" });
    const any = await m.wait([fast.id, slow.id], "any", 5000);
    expect(any.ended.map((r) => r.id)).toEqual([fast.id]);
    expect(any.running.map((r) => r.id)).toEqual([slow.id]);
    const short = await m.wait([slow.id], "all", 50);
    expect(short.timedOut).toBe(true);
    const all = await m.wait([fast.id, slow.id], "all", 5000);
    expect(all.ended).toHaveLength(2);
    // Waiting delivers nothing: the reply stating these results may still be dropped, its sender marks them.
    expect(all.ended.map((r) => r.notified)).toEqual([false, false]);
    expect(m.drainNotifications().map((n) => n.taskId)).toEqual([fast.id, slow.id]);
  });

  it("keeps memory bounded while a task prints 100 MB", async () => {
    const m = manager();
    global.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    const record = m.start({ command: "head -c 100000000 /dev/zero | tr '\\0' 'x'" });
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    let final;
    try {
      final = await m.whenEnded(record.id);
    } finally {
      clearInterval(sampler);
    }
    expect(final.output_bytes).toBe(100_000_000);
    expect((peak - before) / 1024 / 1024).toBeLessThan(64);
    const [notice] = m.drainNotifications();
    expect(textOf(m, notice).length).toBeLessThan(1000);
  });

  it("shutdown ends running tasks and their children and records them killed", async () => {
    const m = manager();
    const pidFile = join(ws.dir, "children.pid");
    const record = m.start({
      command: `sleep 30 & echo $! > ${pidFile}; sleep 30 & echo $! >> ${pidFile}; wait`,
    });
    expect(await eventually(() => childPids(pidFile).length === 2, 10_000)).toBe(true);
    const children = childPids(pidFile);
    expect(children.filter(processGone)).toEqual([]);
    await m.shutdown();
    await m.flush();
    expect(stored(record.id).status).toBe("killed");
    expect(stored(record.id).end_reason).toBe("shutdown");
    expect(await eventually(() => children.every(processGone), 10_000)).toBe(true);
  });
});
