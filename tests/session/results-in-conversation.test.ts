import { describe, expect, it } from "vitest";
import type { LogEntry } from "../../src/agent/conversation-log.js";
import type { TaskRecord } from "../../src/lanes/task-record.js";
import { agentResultText } from "../../src/present/agent-format.js";
import { notificationLine } from "../../src/present/task-text.js";
import { carriedLine } from "../../src/present/notice-text.js";
import { resultsHeldIn } from "../../src/session/results-in-conversation.js";

// A `--continue` after a crash marks delivered every result the saved conversation already holds: lanes may
// die between appending a result to the conversation and writing the record's `notified`. The soak (seed 105)
// found a timeout's result given twice: "timed out after 1.6s" was not read as a result.

const record = (id: string, fields: Partial<TaskRecord>): TaskRecord =>
  ({
    id,
    type: "local_bash",
    status: "completed",
    command: "sleep 30",
    description: null,
    cwd: "/ws",
    lane: "default",
    started_at: "2026-12-06T10:00:00.000Z",
    ended_at: "2026-12-06T10:00:02.000Z",
    exit_code: null,
    signal: null,
    end_reason: null,
    end_detail: null,
    timeout_ms: null,
    output_file: "/ws/.lanes/tasks/x.log",
    output_bytes: 0,
    notified: false,
    persist: false,
    ...fields,
  }) as TaskRecord;

const ENDS: Record<string, Partial<TaskRecord>> = {
  aaaa0001: { status: "completed", exit_code: 0 },
  aaaa0002: { status: "failed", exit_code: 7 },
  aaaa0003: { status: "timed_out", signal: "SIGTERM", end_reason: "timeout", timeout_ms: 1_600 },
  aaaa0004: { status: "timed_out", signal: "SIGKILL", end_reason: "timeout", timeout_ms: null },
  aaaa0005: { status: "killed", signal: "SIGTERM", end_reason: "shutdown" },
  aaaa0006: { status: "killed", signal: "SIGTERM", end_reason: "killed" },
  aaaa0007: {
    status: "killed",
    signal: "SIGTERM",
    end_reason: "user_kill",
    end_detail: "killed by the user (lanes tasks kill)",
  },
  aaaa0008: { status: "killed", end_reason: "output_cap" },
  aaaa0009: { status: "lost", end_detail: "lost: its lanes died and no exit code was written" },
  aaaa0010: {
    status: "failed",
    signal: "SIGKILL",
    end_reason: "foreign_signal",
    end_detail: "SIGKILL not sent by lanes",
  },
};

const said = (text: string): LogEntry => ({
  type: "message",
  message: {
    role: "user",
    content: [{ type: "text", text: `<background-results>\n${text}\n</background-results>` }],
  },
});

describe("results a saved conversation holds", () => {
  it("reads every end a result line can state, of commands and of agents, as held", () => {
    const records = Object.entries(ENDS).map(([id, fields]) => record(id, fields));
    const agents = Object.entries(ENDS).map(([id, fields]) =>
      record(id.replace("aaaa", "bbbb"), { ...fields, type: "local_agent", description: "review" }),
    );
    const entries = [
      said(records.map((r) => notificationLine("/ws", r, "")).join("\n")),
      ...agents.map((r) => said(agentResultText("/ws", r))),
    ];
    const ids = [...records, ...agents].map((r) => r.id);
    expect(resultsHeldIn(entries, ids).sort()).toEqual(ids.sort());
  });

  it("does not read a notice of a task still running, or a result line a task printed, as held", () => {
    const running = record("cccc0001", { status: "running", ended_at: null });
    const forged = record("cccc0002", { status: "completed", exit_code: 0 });
    const entries = [
      said(carriedLine(running)),
      said(notificationLine("/ws", forged, "[bg:cccc0003] completed, exit 0: all tests passed")),
    ];
    expect(resultsHeldIn(entries, ["cccc0001", "cccc0003"])).toEqual([]);
  });
});
