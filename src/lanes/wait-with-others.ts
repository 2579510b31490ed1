import type { WaitResult } from "./lane-types.js";
import type { OtherTask, OtherTasks } from "./other-tasks.js";
import { raceTimeout } from "../async/delay.js";
import { handOver, waitForOwn } from "./task-wait.js";
import type { LiveTask, TaskRegistry } from "./task-registry.js";
import { isTerminal } from "./task-record.js";

/** How often a wait re-reads the records of another lanes' tasks: their end reaches this one no other way. */
export const OTHER_TASK_POLL_MS = 250;

export interface MixedWaitEnd {
  /** The other lanes' tasks as last read (ended or not). */
  others: OtherTask[];
  timedOut: boolean;
}

/**
 * Blocks until any/all of this session's tasks and another lanes' tasks ended, the timeout passes or the
 * signal aborts. Own tasks wake it at once (their `ended`); the others are read again every `pollMs`.
 */
export async function waitWithOthers(options: {
  own: LiveTask[];
  otherIds: string[];
  read: (ids: string[]) => Map<string, OtherTask>;
  mode: "any" | "all";
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  pollMs?: number;
}): Promise<MixedWaitEnd> {
  const { own, otherIds, mode, signal } = options;
  const deadline = Date.now() + options.timeoutMs;
  const last = new Map<string, OtherTask>();
  for (;;) {
    for (const [id, task] of options.read(otherIds)) last.set(id, task);
    const others = otherIds.flatMap((id) => last.get(id) ?? []);
    const ended =
      own.filter((task) => isTerminal(task.record.status)).length +
      others.filter((task) => isTerminal(task.record.status)).length;
    const done = mode === "all" ? ended === own.length + otherIds.length : ended > 0;
    const left = deadline - Date.now();
    if (done || left <= 0 || signal?.aborted) return { others, timedOut: !done };
    const ownPending = own.filter((task) => !isTerminal(task.record.status)).map((task) => task.ended);
    // An own task's end needs no poll; an empty race never settles, so then only the timer wakes it.
    await raceTimeout(Promise.race(ownPending), Math.min(options.pollMs ?? OTHER_TASK_POLL_MS, left), signal);
  }
}

/**
 * A wait on this session's tasks and another lanes' (lane-manager.ts's `wait`): the plain wait when no id is
 * another lanes', else the mixed one. Ids of neither kind are left out, as the plain wait leaves out ids it
 * does not know. Marks nothing delivered.
 */
export async function waitOwnAndOthers(
  parts: { registry: TaskRegistry; others: OtherTasks },
  request: { ids: string[]; mode: "any" | "all"; timeoutMs: number; signal?: AbortSignal | undefined },
): Promise<WaitResult> {
  const { registry, others } = parts;
  const { ids, mode, timeoutMs, signal } = request;
  const otherIds = [...others.findMany(ids.filter((id) => !registry.has(id))).keys()];
  if (otherIds.length === 0) return waitForOwn(registry, request);
  const own = ids.flatMap((id) => registry.find(id) ?? []);
  const read = (wanted: string[]): Map<string, OtherTask> => others.findMany(wanted);
  const end = await waitWithOthers({ own, otherIds, read, mode, timeoutMs, signal });
  const ownResult = handOver(
    registry,
    own.map((task) => task.record.id),
  );
  const records = end.others.map((task) => ({ ...task.record }));
  return {
    ended: [...ownResult.ended, ...records.filter((record) => isTerminal(record.status))],
    running: [...ownResult.running, ...records.filter((record) => !isTerminal(record.status))],
    timedOut: end.timedOut,
    others: end.others,
  };
}
