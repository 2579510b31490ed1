import { polledGroup } from "./polled-group.js";
import type { TaskHandle } from "./task-handle.js";

/** What a finished foreground command left running in its group (`server &`): watched, but no exit code. */
export function leftoverTask(pgid: number, taskId: string, graceMs: number): TaskHandle {
  return polledGroup({
    pgid,
    taskId,
    graceMs,
    naturalEnd: () => ({
      status: "completed",
      exit_code: null,
      signal: null,
      end_reason: "group_ended",
      end_detail: "its processes ended; no exit code exists for processes a foreground command left running",
      ended_at: new Date().toISOString(),
    }),
  });
}
