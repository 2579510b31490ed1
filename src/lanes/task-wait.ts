import type { WaitResult } from "./lane-types.js";
import { raceTimeout } from "../async/delay.js";
import type { LiveTask, TaskRegistry } from "./task-registry.js";
import { isTerminal, type TaskRecord } from "./task-record.js";

/**
 * Waiting is not delivery: these block on this session's tasks and hand their records over. Nothing here
 * marks anything delivered; the caller's carrier states the results, and the ledger counts them.
 */
export async function waitForOwn(
  registry: TaskRegistry,
  request: { ids: string[]; mode: "any" | "all"; timeoutMs: number; signal?: AbortSignal | undefined },
): Promise<WaitResult> {
  const { ids, mode, timeoutMs, signal } = request;
  const tasks = ids.flatMap((id) => registry.find(id) ?? []);
  const pending = tasks.filter((task) => !isTerminal(task.record.status)).map((task) => task.ended);
  let timedOut = false;
  if (pending.length > 0 && (mode === "all" || pending.length === tasks.length)) {
    const target = mode === "all" ? Promise.all(pending) : Promise.race(pending);
    timedOut = !(await raceTimeout(target, timeoutMs, signal));
  }
  return { ...handOver(registry, ids), timedOut, others: [] };
}

/** The tasks' records as a wait returns them: ended and still running, copied. */
export function handOver(
  registry: TaskRegistry,
  ids: string[],
): { ended: TaskRecord[]; running: TaskRecord[] } {
  const tasks = ids.flatMap((id): LiveTask[] => {
    const task = registry.find(id);
    return task ? [task] : [];
  });
  return {
    ended: tasks.filter((task) => isTerminal(task.record.status)).map((task) => ({ ...task.record })),
    running: tasks.filter((task) => !isTerminal(task.record.status)).map((task) => ({ ...task.record })),
  };
}
