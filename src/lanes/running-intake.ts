import { endMarkedProcesses } from "../process/marked-processes.js";
import { adoptedTask } from "./adopted-task.js";
import { createExclusive } from "./claim-files.js";
import type { LaneEvents } from "./lane-events.js";
import type { StartTaskRequest } from "./lane-types.js";
import type { LaneSlots } from "./lane-slots.js";
import { unreachableRemote } from "./remote-runtime.js";
import type { RecoveryPlan } from "./recovery.js";
import type { TaskDelivery } from "./task-delivery.js";
import type { TaskHandle } from "./task-handle.js";
import { moveLog, newTaskRecord, safePattern } from "./task-lifecycle.js";
import { QUEUED_PHASE, type QueuedRecord, type TaskOrigin, type TaskRecord } from "./task-record.js";
import { ORIGIN_LABELS } from "./task-tags.js";
import type { LiveTask, TaskRegistry } from "./task-registry.js";
import type { TaskStore } from "./task-store.js";

/** A new (queued) record for task `id` of this workspace, with its log and exit file in the store. */
export function newRecordIn(
  context: Pick<IntakeContext, "workspace" | "store" | "ownerPid">,
  id: string,
  request: StartTaskRequest,
): QueuedRecord {
  context.store.ensure();
  const paths = context.store.paths(id);
  return newTaskRecord(id, request, {
    cwd: context.workspace,
    log: paths.log,
    exit: paths.exit,
    ownerPid: context.ownerPid,
  });
}

/** What taking over a process that already runs needs of the lane manager. */
export interface IntakeContext {
  workspace: string;
  /** The pid written as the owner of what this runtime takes (LaneManagerOptions.ownerPid). */
  ownerPid: number;
  registry: TaskRegistry;
  store: TaskStore;
  slots: LaneSlots;
  events: LaneEvents;
  delivery: TaskDelivery;
  killGraceMs(): number;
  watchRunning(task: LiveTask, handle: TaskHandle): void;
  /** A recorded task takes a free slot and starts, or waits in its lane's queue. */
  enqueue(task: LiveTask): void;
  /** A remote task's handle (remote-runtime.ts), for a record with `remote`. */
  adoptRemote?(record: TaskRecord): TaskHandle | undefined;
}

/**
 * Carries out a recovery plan (recovery.ts): tasks still running are adopted, corrected ends written back and
 * swept, undelivered results queued once. Returns how many processes of ended tasks had to be killed.
 */
export function takeOverRecovered(
  context: IntakeContext,
  plan: RecoveryPlan,
  sweepEscaped: (id: string) => void,
): number {
  // A record that says its task ended while processes with its marker still run: the KILL of a shutdown
  // never landed (the client killed lanes first), or a timed-out task outlived a crashed lanes. They had
  // their TERM already: KILL at once. Running tasks of a crashed lanes are adopted below, never killed.
  const leftovers = endMarkedProcesses(new Set(plan.ended.map((record) => record.id)), 0);
  for (const record of plan.adopt) adoptRecovered(context, record);
  for (const record of plan.restart) restartQueued(context, record);
  for (const record of plan.corrected) {
    context.registry.persist(record);
    // It ended while no lanes watched, so nothing ended what it left running (cmd &, setsid): do it now.
    sweepEscaped(record.id);
  }
  for (const record of plan.settled) {
    context.registry.trackSettled(record);
    if (!record.notified) context.delivery.queueEnded(record);
  }
  return leftovers;
}

/** A task found running with its lanes gone: watched to its end by an adopted handle, told to the model once. */
function adoptRecovered(context: IntakeContext, record: TaskRecord): void {
  record.owner_pid = context.ownerPid;
  const notifyOn = record.notify_on === null ? undefined : safePattern(record.notify_on);
  const task = context.registry.track(record, { notifyOn });
  const remote = record.remote && (context.adoptRemote?.(record) ?? unreachableRemote(record));
  context.watchRunning(task, remote ?? adoptedTask(record, context.killGraceMs()));
  // Already running: it counts against its lane's limit like any running task.
  context.slots.occupy(record.lane, record.id);
  context.registry.persist(record);
  context.delivery.push({ taskId: record.id, kind: "carried", priority: "high", record });
}

/**
 * A task its lanes promised (queued, or recorded just before its spawn) and died before starting: this one
 * starts it, once. Several lanes starting together race for its claim; only the one that creates it goes on.
 */
function restartQueued(context: IntakeContext, record: TaskRecord): void {
  const claim = `${context.store.paths(record.id).record}.restart-${record.owner_pid}`;
  if (!createExclusive(claim, `${context.ownerPid}\n`)) return;
  const fresh: TaskRecord = { ...record, ...QUEUED_PHASE, owner_pid: context.ownerPid };
  try {
    context.registry.persistNow(fresh);
  } catch {
    return;
  }
  const notifyOn = fresh.notify_on === null ? undefined : safePattern(fresh.notify_on);
  const task = context.registry.track(fresh, { notifyOn });
  context.delivery.push({ taskId: fresh.id, kind: "restarted", priority: "high", record: { ...fresh } });
  context.enqueue(task);
}

/** A process already running (moved in from the foreground) becomes a tracked task under its reserved id. */
export function trackRunning(
  context: IntakeContext,
  request: { id: string; command: string; outputFile: string; exitFile?: string },
  origin: Exclude<TaskOrigin, "spawned">,
  handle: TaskHandle,
  startedAt: number,
): TaskRecord {
  const { id } = request;
  const { registry, store } = context;
  registry.releaseReservedId(id);
  const paths = store.paths(id);
  const described = { origin, description: ORIGIN_LABELS[origin] };
  const base = newRecordIn(context, id, { command: request.command, ...described, stallMs: 0 });
  const record: TaskRecord = {
    ...base,
    status: "running",
    pid: handle.pid,
    started_at: new Date(startedAt).toISOString(),
    output_file: moveLog(request.outputFile, paths.log),
    exit_file: request.exitFile ?? paths.exit,
  };
  const task = registry.track(record);
  context.watchRunning(task, handle);
  // Already running: it takes a slot even over the limit; queueing it would launch it a second time.
  context.slots.occupy(record.lane, id);
  registry.persist(record);
  context.events.emit({ type: "task-start", record: { ...record } });
  return { ...record };
}
