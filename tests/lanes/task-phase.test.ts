import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, expectTypeOf, it } from "vitest";
import type { EndedRecord, QueuedRecord, RunningRecord, TaskRecord } from "../../src/lanes/task-record.js";
import { TaskStore } from "../../src/lanes/task-store.js";
import { useLaneFixture } from "../helpers/lane-fixture.js";

const ws = useLaneFixture();

/** A record as an older lanes wrote it: no origin, end_detail, notify_on or stall_ms. */
function oldFormat(id: string, fields: Record<string, unknown>): Record<string, unknown> {
  const base = join(ws.dir, ".lanes", "tasks", id);
  return {
    id,
    type: "local_bash",
    status: "queued",
    command: `echo ${id}`,
    description: null,
    cwd: ws.dir,
    lane: "default",
    pid: null,
    started_at: null,
    ended_at: null,
    exit_code: null,
    signal: null,
    end_reason: null,
    timeout_ms: null,
    output_file: `${base}.log`,
    exit_file: `${base}.exit`,
    output_bytes: 0,
    notified: false,
    persist: false,
    owner_pid: 999_999_999,
    created_at: "2026-12-01T10:00:00.000Z",
    ...fields,
  };
}

function loadOld(records: Record<string, Record<string, unknown>>): Map<string, TaskRecord> {
  const dir = join(ws.dir, ".lanes", "tasks");
  mkdirSync(dir, { recursive: true });
  for (const [id, fields] of Object.entries(records))
    writeFileSync(join(dir, `${id}.json`), JSON.stringify(oldFormat(id, fields)));
  const { records: loaded, corrupt } = new TaskStore(join(ws.dir, ".lanes"), { create: false }).loadAll();
  expect(corrupt).toEqual([]);
  return new Map(loaded.map((record) => [record.id, record]));
}

describe("a task's phase: queued, running or ended, as a union", () => {
  it("types each phase's fields: no start or end while queued, a start while running, an end once ended", () => {
    expectTypeOf<QueuedRecord["started_at"]>().toEqualTypeOf<null>();
    expectTypeOf<QueuedRecord["pid"]>().toEqualTypeOf<null>();
    expectTypeOf<RunningRecord["started_at"]>().toEqualTypeOf<string>();
    expectTypeOf<RunningRecord["exit_code"]>().toEqualTypeOf<null>();
    expectTypeOf<EndedRecord["ended_at"]>().toEqualTypeOf<string>();
    expectTypeOf<EndedRecord["status"]>().toEqualTypeOf<
      "completed" | "failed" | "timed_out" | "killed" | "lost"
    >();
    expectTypeOf<TaskRecord>().toEqualTypeOf<QueuedRecord | RunningRecord | EndedRecord>();
  });

  it("loads old-format record files of every phase, and the status tells which fields are set", () => {
    const byId = loadOld({
      queued01: {},
      running1: { status: "running", pid: 4242, started_at: "2026-12-01T10:00:01.000Z" },
      ended001: {
        status: "failed",
        pid: 4243,
        started_at: "2026-12-01T10:00:01.000Z",
        ended_at: "2026-12-01T10:00:03.000Z",
        exit_code: 2,
        notified: true,
      },
    });
    const phases = [...byId.values()].map((record) => {
      if (record.status === "queued") return [record.id, record.status, record.started_at];
      if (record.status === "running") return [record.id, record.status, record.started_at.slice(11, 19)];
      return [record.id, record.status, record.ended_at.slice(11, 19), record.exit_code];
    });
    expect(phases.sort()).toEqual([
      ["ended001", "failed", "10:00:03", 2],
      ["queued01", "queued", null],
      ["running1", "running", "10:00:01"],
    ]);
    expect(byId.get("ended001")).toMatchObject({ origin: "spawned", end_detail: null, notify_on: null });
  });

  it("loads a record whose phase does not hold together, made whole instead of set aside as corrupt", () => {
    const byId = loadOld({
      // Running without a start (hand-edited): it started no later than it was created.
      nostart1: { status: "running", pid: 4244 },
      // Ended without an end time: it ended no earlier than it started.
      noend001: { status: "killed", started_at: "2026-12-01T10:00:05.000Z", end_reason: "killed" },
      // Queued with a leftover pid and start: a queued task has neither.
      queuepid: { pid: 4245, started_at: "2026-12-01T10:00:06.000Z" },
    });
    expect(byId.get("nostart1")).toMatchObject({ pid: 4244, started_at: "2026-12-01T10:00:00.000Z" });
    expect(byId.get("noend001")).toMatchObject({
      ended_at: "2026-12-01T10:00:05.000Z",
      end_reason: "killed",
    });
    expect(byId.get("queuepid")).toMatchObject({ status: "queued", pid: null, started_at: null });
  });

  it("still sets aside a record whose status is no phase at all", () => {
    const dir = join(ws.dir, ".lanes", "tasks");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "paused01.json"), JSON.stringify(oldFormat("paused01", { status: "paused" })));
    const { records, corrupt } = new TaskStore(join(ws.dir, ".lanes"), { create: false }).loadAll();
    expect(records).toEqual([]);
    expect(corrupt.map((entry) => entry.file)).toEqual([join(dir, "paused01.json")]);
  });
});
