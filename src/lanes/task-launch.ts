import { startGroupProcess } from "../process/group-process.js";
import type { LaunchWrapper } from "../process/launch-wrapper.js";
import type { ForkServerSource } from "../process/served-launch.js";
import type { RemoteRuntime } from "./remote-runtime.js";
import { killedBeforeStart, killRequested } from "./kill-request.js";
import type { LaneEvents } from "./lane-events.js";
import type { LaneSlots } from "./lane-slots.js";
import { spawnedTask } from "./spawned-task.js";
import type { TaskEnd, TaskHandle } from "./task-handle.js";
import type { TaskRecord } from "./task-record.js";
import type { LiveTask, TaskRegistry } from "./task-registry.js";
import type { TaskStore } from "./task-store.js";
import { pauseAt } from "./test-pause.js";

/** What starting a task's process needs of the lane manager. */
export interface LaunchContext {
  registry: TaskRegistry;
  slots: LaneSlots;
  store: TaskStore;
  events: LaneEvents;
  killGraceMs: number | undefined;
  /** Tasks that are not persisted end when lanes dies (the front end's choice, see owner-watch.ts). */
  endWithOwner: boolean;
  /** The warm perl task launchers are forked from (one per manager, started at the first task). */
  forkServer: ForkServerSource;
  /** Remote lanes: a task of one runs there (its handle syncs and submits); undefined for a local lane. */
  remote?: RemoteRuntime | undefined;
  /** The command's environment with its marker; `base` replaces the configured one (an agent-worker's). */
  taskEnv(taskId: string, base?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  sandboxFor(unsandboxed: boolean | undefined): LaunchWrapper | undefined;
  watchRunning(task: LiveTask, handle: TaskHandle): void;
  settle(task: LiveTask, end: TaskEnd): void;
}

/**
 * Starts a task that holds its lane slot, write-ahead: the record says `running` (no pid yet) on disk before
 * the process exists, and names its pid right after, so a lanes killed at any point leaves a record the next
 * one understands (its marker finds the process; none and no exit code: it never started, and is started).
 */
export function launchTask(context: LaunchContext, task: LiveTask): void {
  const { record } = task;
  if (killRequested(context.store, record.id)) return context.settle(task, killedBeforeStart());
  // Taken before the spawn, so a reported duration is never shorter than the command's real run.
  record.started_at = new Date().toISOString();
  record.status = "running";
  try {
    context.registry.persistNow(record);
  } catch (error) {
    return context.settle(task, unrecorded(error));
  }
  pauseAt("after-record");
  const save = (): Promise<void> => (context.registry.persist(record), context.registry.flushOne(record.id));
  const handle = context.remote?.launch(record, save) ?? spawnLocal(context, task);
  pauseAt("after-spawn");
  record.pid = handle.pid;
  context.watchRunning(task, handle);
  try {
    context.registry.persistNow(record);
  } catch {
    // The process runs: its record says running and its marker finds it; the pid follows when the disk can.
    context.registry.persist(record);
  }
  context.events.emit({ type: "task-start", record: { ...record } });
}

/** The task's process here: the shell in a group of its own, in the sandbox unless approved outside. */
function spawnLocal(context: LaunchContext, task: LiveTask): TaskHandle {
  const { record } = task;
  const child = startGroupProcess({
    command: record.command,
    cwd: record.cwd,
    // An agent-worker gets lanes' own environment (it must reach the model); commands the filtered one.
    env: context.taskEnv(record.id, task.env),
    outputFile: record.output_file,
    exitFile: record.exit_file,
    stdin: task.inheritStdin ? "inherit" : "pipe",
    timeoutMs: record.timeout_ms ?? undefined,
    killGraceMs: context.killGraceMs,
    sandbox: context.sandboxFor(task.unsandboxed),
    mirror: task.mirror,
    endWithLanes: !record.persist && context.endWithOwner,
    forkServer: context.forkServer,
  });
  return spawnedTask(child);
}

/** Writes a task that waits for a slot before anyone is told of it; a failed write refuses it (thrown). */
export function recordQueued(context: Pick<LaunchContext, "registry" | "slots">, record: TaskRecord): void {
  try {
    context.registry.persistNow(record);
  } catch (error) {
    context.slots.dequeue(record.lane, record.id);
    throw error;
  }
}

/** The end of a task whose record could not be written: nothing was started, and the reason says why. */
function unrecorded(error: unknown): TaskEnd {
  const end_detail = `not started: its record could not be written (${(error as Error).message})`;
  const end = { status: "failed", exit_code: null, signal: null, end_reason: "spawn_error" } as const;
  return { ...end, end_detail, ended_at: new Date().toISOString() };
}
