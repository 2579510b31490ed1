import { exitCodeEnd } from "../process/exit-file.js";
import { groupAlive } from "../process/kill-group.js";
import { endTaskGroup } from "./end-task.js";
import type { KillReason, TaskEnd, TaskHandle } from "./task-handle.js";
import { killTaskGroupNow } from "./end-task.js";
import { deferred } from "../async/deferred.js";

export interface PolledGroupOptions {
  pgid: number;
  taskId: string;
  graceMs: number;
  /** How the task ended on its own, asked once when its group is seen gone (or `endedEarly` says so). */
  naturalEnd: () => TaskEnd;
  /** Checked on each poll before the group: an end known while processes remain (an exit file). */
  endedEarly?: () => boolean;
  /** The code the task's exit-file wrapper wrote, read once a kill has ended the group. */
  writtenCode?: () => number | null;
  /** The task's exit file: a kill marks the command as ended by lanes next to it first (ending-marker.ts). */
  exitFile?: string;
}

/**
 * A task whose processes are not our children, so no exit event comes: its group is polled on every tick.
 * Shared by the kinds that watch a group from outside (adopted-task.ts, leftover-task.ts).
 */
export function polledGroup(options: PolledGroupOptions): TaskHandle & { finished: boolean } {
  const { pgid, taskId, graceMs } = options;
  const exit = deferred<TaskEnd>();
  let ending: Promise<void> | undefined;
  const handle = {
    pid: pgid,
    exited: exit.promise,
    stdin: null,
    finished: false,
    finish(end: TaskEnd): void {
      if (handle.finished) return;
      handle.finished = true;
      exit.resolve(end);
    },
    terminate(reason: KillReason): Promise<void> {
      // Re-read first: a command that ended since the last poll ended by itself, not by this kill.
      if (!handle.finished && !ending && options.endedEarly?.()) handle.finish(options.naturalEnd());
      ending ??= endTaskGroup(pgid, taskId, graceMs, options.exitFile).then((outcome) => {
        // The exit-file wrapper outlives the TERM: a code it wrote is how the command really ended.
        const code = options.writtenCode?.() ?? null;
        const end =
          code === null
            ? { exitCode: null, signal: outcome.signal }
            : exitCodeEnd(code, true, outcome.shellIdle);
        handle.finish({
          status: reason === "timeout" ? "timed_out" : "killed",
          exit_code: end.exitCode,
          signal: end.signal,
          end_reason: reason,
          ended_at: new Date(outcome.at).toISOString(),
        });
      });
      return ending;
    },
    poll(now: number): void {
      // While a termination runs, its outcome (which signal, when) is the end, not this poll's sighting.
      if (handle.finished || ending) return;
      if (options.endedEarly?.()) {
        handle.finish(options.naturalEnd());
        // What the command left in its group (`cmd &`) ends with it, as for a task lanes spawned.
        void endTaskGroup(pgid, taskId, graceMs);
      } else if (!groupAlive(pgid, now)) handle.finish(options.naturalEnd());
    },
    release(): void {},
    killNow: () => killTaskGroupNow(pgid),
  };
  return handle;
}
