import { mkdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import type { CompactionSettings } from "../agent/compaction.js";
import type { TaskRecord } from "../lanes/task-record.js";
import { inFlightLine } from "../present/agent-format.js";

export interface SessionCompactionInput {
  window: number;
  compactAt: number;
  workspace: string;
  /** The current conversation's outputs folder (read when a result is saved: /clear changes the id). */
  outputsDir: () => string;
  /** The tasks still running, named in the summary so the model knows they will report. */
  active: () => TaskRecord[];
}

/** How a session compacts: a stubbed result's full text goes to a file under the conversation's outputs. */
export function compactionSettings(input: SessionCompactionInput): CompactionSettings {
  return {
    window: input.window,
    compactAt: input.compactAt,
    saveFullOutput: (toolUseId, text) => {
      const dir = input.outputsDir();
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const file = join(dir, `${toolUseId.replace(/[^\w.-]/g, "_")}.txt`);
      writeFileSync(file, text, { mode: 0o600 });
      return relative(input.workspace, file);
    },
    runningTasks: () => input.active().map(inFlightLine),
  };
}
