import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { statusPhrase } from "../../src/present/task-text.js";
import { TaskRecordSchema } from "../../src/lanes/task-record.js";
import { TaskStore } from "../../src/lanes/task-store.js";
import { createBashTool } from "../../src/tools/bash.js";
import { useLaneFixture } from "../helpers/lane-fixture.js";
import { callResult } from "../helpers/tool-harness.js";
import { eventually } from "../helpers/temp-workspace.js";

const ws = useLaneFixture();

/** A record exactly as lanes wrote it before `origin` and `end_detail` existed. */
function oldRecord(id: string, fields: Record<string, unknown>): Record<string, unknown> {
  const base = join(ws.dir, ".lanes", "tasks", id);
  return {
    id,
    type: "local_bash",
    status: "completed",
    command: `echo ${id}`,
    description: null,
    cwd: ws.dir,
    lane: "default",
    pid: null,
    started_at: "2026-12-01T10:00:00.000Z",
    ended_at: "2026-12-01T10:00:02.000Z",
    exit_code: 0,
    signal: null,
    end_reason: null,
    timeout_ms: null,
    output_file: `${base}.log`,
    exit_file: `${base}.exit`,
    output_bytes: 0,
    notified: true,
    persist: false,
    owner_pid: 999_999_999,
    created_at: "2026-12-01T10:00:00.000Z",
    ...fields,
  };
}

describe("record tags: origin and end_reason as closed sets", () => {
  it("loads records an older lanes wrote: prose end_reason split into code and words, origin from the description", () => {
    const dir = join(ws.dir, ".lanes", "tasks");
    mkdirSync(dir, { recursive: true });
    const old = {
      moved01: { description: "moved from foreground bash", end_reason: "SIGKILL not sent by lanes" },
      userk01: { status: "killed", exit_code: null, end_reason: "killed by the user (lanes tasks kill)" },
      left0001: {
        description: "left running by a foreground bash (cmd &)",
        end_reason:
          "its processes ended; no exit code exists for processes a foreground command left running",
      },
      lost0001: { status: "lost", end_reason: "ended while no lanes was watching; no exit code recorded" },
      queue001: { status: "lost", end_reason: "never started: its lanes exited first" },
      spawn001: { status: "failed", end_reason: "spawn error: ENOENT" },
      timeo001: { status: "timed_out", end_reason: "timeout" },
      weird001: { status: "failed", end_reason: "something an old lanes said" },
    };
    for (const [id, fields] of Object.entries(old))
      writeFileSync(join(dir, `${id}.json`), JSON.stringify(oldRecord(id, fields)));
    const { records, corrupt } = new TaskStore(join(ws.dir, ".lanes"), { create: false }).loadAll();
    expect(corrupt).toEqual([]);
    const byId = new Map(records.map((record) => [record.id, record]));
    const tags = (id: string) => {
      const record = byId.get(id);
      return [record?.origin, record?.end_reason, record?.end_detail];
    };
    expect(tags("moved01")).toEqual(["moved_from_foreground", "foreign_signal", "SIGKILL not sent by lanes"]);
    expect(tags("userk01")).toEqual(["spawned", "user_kill", "killed by the user (lanes tasks kill)"]);
    expect(tags("left0001")[0]).toBe("adopted_leftovers");
    expect(tags("left0001")[1]).toBe("group_ended");
    expect(tags("lost0001")[1]).toBe("unobserved");
    expect(tags("queue001")[1]).toBe("never_started");
    expect(tags("spawn001")).toEqual(["spawned", "spawn_error", "spawn error: ENOENT"]);
    expect(tags("timeo001")).toEqual(["spawned", "timeout", null]);
    expect(tags("weird001")).toEqual(["spawned", "other", "something an old lanes said"]);
    // What people and the model read is what the old record said, word for word (the bare code "timeout"
    // is said "timed out", once).
    for (const [id, fields] of Object.entries(old)) {
      const record = byId.get(id);
      if (!record) throw new Error(`${id} did not load`);
      expect(statusPhrase(record)).toContain(id === "timeo001" ? "timed out" : fields.end_reason);
    }
    expect(statusPhrase(byId.get("userk01")!)).toBe("killed by the user (lanes tasks kill)");
  });

  it("refuses an end_reason code outside the set in a current record instead of storing it", () => {
    const raw = { ...oldRecord("badcode1", {}), origin: "spawned", end_reason: "timeout", end_detail: null };
    expect(TaskRecordSchema.parse(raw).end_reason).toBe("timeout");
    expect(() => TaskRecordSchema.parse({ ...raw, origin: "teleported" })).toThrow(/origin/);
  });

  it("a bash command moved to the background is recorded with origin moved_from_foreground", async () => {
    const lanes = ws.manager();
    const bash = createBashTool(lanes, { backgroundAfterMs: 200 });
    const { details } = await callResult(bash, { command: "until [ -e go ]; do sleep 0.05; done" });
    if (details.kind !== "backgrounded") throw new Error("not moved");
    const moved = { origin: "moved_from_foreground", description: "moved from foreground bash" };
    expect(lanes.get(details.task_id)).toMatchObject(moved);
    writeFileSync(join(ws.dir, "go"), "");
    const final = await lanes.whenEnded(details.task_id);
    expect(final).toMatchObject({ ...moved, status: "completed", end_reason: null, end_detail: null });
    // And so it is on disk, where the next lanes reads it.
    const file = join(ws.dir, ".lanes", "tasks", `${details.task_id}.json`);
    const stored = () => new TaskStore(join(ws.dir, ".lanes"), { create: false }).find(details.task_id);
    expect(await eventually(() => stored()?.status === "completed", 10_000)).toBe(true);
    expect(stored()).toMatchObject(moved);
    expect(JSON.parse(readFileSync(file, "utf8"))).toMatchObject({ origin: "moved_from_foreground" });
  });
});
