import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { round } from "./support.js";

/** Where a k-task turn's wall went, ms from the turn's start, read from the task records it left. */
export interface ScaleTimeline {
  /** The last task's start (its record's started_at). */
  lastStartMs: number;
  /** The last exit file written: the recorder saw the command's end (inside the sandbox, sandboxed). */
  lastExitWrittenMs: number;
  /** The last end lanes recorded (ended_at): the leader's exit seen, the sandbox torn down. */
  lastEndedMs: number;
  /** The last record file written. */
  lastRecordMs: number;
}

/** Reads `.lanes/tasks` of a workspace after a turn that began at `startedAt` (epoch ms). */
export function scaleTimeline(workspace: string, startedAt: number): ScaleTimeline | undefined {
  const dir = join(workspace, ".lanes", "tasks");
  const last = { lastStartMs: 0, lastExitWrittenMs: 0, lastEndedMs: 0, lastRecordMs: 0 };
  const later = (key: keyof ScaleTimeline, at: number | undefined) => {
    if (at !== undefined && Number.isFinite(at)) last[key] = Math.max(last[key], round(at - startedAt, 0));
  };
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => name.endsWith(".json"));
  } catch {
    return undefined;
  }
  for (const name of names) {
    try {
      const path = join(dir, name);
      const record = JSON.parse(readFileSync(path, "utf8")) as {
        started_at?: string | null;
        ended_at?: string | null;
        exit_file?: string;
      };
      if (record.started_at) later("lastStartMs", Date.parse(record.started_at));
      if (record.ended_at) later("lastEndedMs", Date.parse(record.ended_at));
      if (record.exit_file) later("lastExitWrittenMs", statSync(record.exit_file).mtimeMs);
      later("lastRecordMs", statSync(path).mtimeMs);
    } catch {
      // Not a task record, or one without an exit file.
    }
  }
  return names.length === 0 ? undefined : last;
}
