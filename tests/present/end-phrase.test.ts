import { describe, expect, it } from "vitest";
import type { TaskRecord } from "../../src/lanes/task-record.js";
import { statusPhrase } from "../../src/present/task-text.js";
import { storedKillText } from "../../src/present/stored-kill-text.js";

type End = Pick<TaskRecord, "status" | "exit_code" | "signal" | "end_reason" | "end_detail" | "timeout_ms">;

const end = (fields: Partial<End>): TaskRecord =>
  ({
    status: "killed",
    exit_code: null,
    signal: null,
    end_reason: null,
    end_detail: null,
    timeout_ms: null,
    ...fields,
  }) as TaskRecord;

const USER_KILL = { end_reason: "user_kill", end_detail: "killed by the user (lanes tasks kill)" } as const;

describe("a task's end, said once", () => {
  it("names each of status, cause and signal once, the exit code as `exit N` and the signal by name", () => {
    const phrases = {
      user: statusPhrase(end({ signal: "SIGTERM", ...USER_KILL })),
      model: statusPhrase(end({ signal: "SIGTERM", end_reason: "killed" })),
      shutdown: statusPhrase(end({ signal: "SIGKILL", end_reason: "shutdown" })),
      timeout: statusPhrase(
        end({ status: "timed_out", signal: "SIGTERM", end_reason: "timeout", timeout_ms: 30_000 }),
      ),
      foreign: statusPhrase(
        end({
          status: "failed",
          signal: "SIGKILL",
          end_reason: "foreign_signal",
          end_detail: "SIGKILL not sent by lanes",
        }),
      ),
      failed: statusPhrase(end({ status: "failed", exit_code: 127 })),
    };
    expect(phrases).toEqual({
      user: "killed by the user (lanes tasks kill; SIGTERM)",
      model: "killed (SIGTERM)",
      shutdown: "killed when lanes exited (SIGKILL)",
      timeout: "timed out after 30.0s (SIGTERM)",
      foreign: "failed, SIGKILL not sent by lanes",
      failed: "failed, exit 127",
    });
    for (const phrase of Object.values(phrases)) {
      const words = phrase.toLowerCase().match(/killed|sigterm|sigkill|timed out|timeout/g) ?? [];
      expect(new Set(words).size, phrase).toBe(words.length);
    }
  });

  it("lanes tasks kill says `Killed task ID by the user (…)`, not killed twice", () => {
    const record = end({ signal: "SIGTERM", ...USER_KILL });
    expect(storedKillText({ kind: "killed", id: "ab12cd34", pgid: 4242, record })).toBe(
      "Killed task ab12cd34 by the user (lanes tasks kill; SIGTERM); its process group 4242 is gone.",
    );
  });
});
