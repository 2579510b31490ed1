import { describe, expect, it } from "vitest";
import type { TaskRecord } from "../../src/lanes/task-record.js";
import { summaryLine } from "../../src/present/task-text.js";

const NOW = Date.parse("2026-01-01T12:00:00Z");

function running(id: string, persist: boolean): TaskRecord {
  return {
    id,
    command: "sleep 30",
    description: null,
    status: "running",
    exit_code: null,
    signal: null,
    lane: "default",
    persist,
    started_at: new Date(NOW - 2000).toISOString(),
  } as TaskRecord;
}

describe("a listed task whose lanes has exited", () => {
  it("is detached when it was persisted (as lanes run --detach does), owner gone only when it was not", () => {
    const detached = summaryLine(running("a1b2c3d4", true), NOW, true);
    expect(detached).toMatch(/^a1b2c3d4 {2}running \(detached\) 2\.0s \[persist\]/);
    expect(detached).not.toContain("owner gone");
    expect(summaryLine(running("e5f6a7b8", false), NOW, true)).toMatch(/^e5f6a7b8 {2}running \(owner gone\)/);
  });
});
