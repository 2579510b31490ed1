import { endsWithLanes } from "./owner-watch.js";
import { dropDeathLine } from "./log-death-line.js";
import { DEFAULT_KILL_GRACE_MS } from "../process/group-process.js";
import { ForkServerSlot } from "../process/fork-server-slot.js";
import type { LaunchWrapper } from "../process/launch-wrapper.js";
import { TASK_MARKER } from "../process/marked-processes.js";
import { fileSize } from "../text/utf8-window.js";
import type { EscapeSweeper } from "./escape-sweeper.js";
import { withUserKill } from "./kill-request.js";
import type { LaneEvents } from "./lane-events.js";
import type { LaneSlots } from "./lane-slots.js";
import { DEFAULT_OUTPUT_CAP_BYTES, DEFAULT_STALL_MS, type LaneManagerOptions } from "./lane-types.js";
import type { OutputWatcher } from "./output-watcher.js";
import type { TaskDelivery } from "./task-delivery.js";
import { launchTask, type LaunchContext } from "./task-launch.js";
import type { KillReason, TaskEnd, TaskHandle } from "./task-handle.js";
import { isTerminal, type TaskRecord } from "./task-record.js";
import type { LiveTask, TaskRegistry } from "./task-registry.js";
import type { TaskStore } from "./task-store.js";
import { TaskWatch } from "./task-watch.js";

/** What the runner works with: the manager's parts, shared, and whether the manager has shut down. */
export interface TaskRunnerParts {
  options: LaneManagerOptions;
  registry: TaskRegistry;
  store: TaskStore;
  slots: LaneSlots;
  events: LaneEvents;
  delivery: TaskDelivery;
  watcher: OutputWatcher;
  sweeper: EscapeSweeper;
  closed(): boolean;
}

/** Launches a task when its slot is free, watches it while it runs, and settles it once, when it ends. */
export class TaskRunner {
  /** The manager's fork server: closed at shutdown (shutdown.ts), its running tasks then watched by pid. */
  readonly forkServer = new ForkServerSlot();

  constructor(private readonly parts: TaskRunnerParts) {}

  /** Time between TERM and KILL, for anything that ends processes on the manager's behalf. */
  get killGraceMs(): number {
    return this.parts.options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  }

  /** The sandbox a command starts in: the session's, unless this one command was approved to run outside. */
  sandboxFor(unsandboxed = false): LaunchWrapper | undefined {
    return unsandboxed ? undefined : this.parts.options.sandbox;
  }

  /** The environment a command runs with: the configured base plus the marker that finds its processes. */
  taskEnv(taskId: string, base?: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
    return { ...(base ?? this.parts.options.env), [TASK_MARKER]: taskId };
  }

  /** Starts a task that holds its lane slot, write-ahead (see task-launch.ts). */
  launch(id: string): void {
    const task = this.parts.registry.find(id);
    if (task) launchTask(this.launchContext(), task);
  }

  /** A recorded task (one restarted after a crash) takes a free slot and starts, or waits in the queue. */
  enqueue(task: LiveTask): void {
    const { record } = task;
    if (this.parts.slots.acquire(record.lane, record.id)) return this.launch(record.id);
    this.parts.events.emit({ type: "task-queued", record: { ...record } });
  }

  private launchContext(): LaunchContext {
    const { registry, slots, store, events, options } = this.parts;
    return {
      registry,
      slots,
      store,
      events,
      killGraceMs: options.killGraceMs,
      endWithOwner: endsWithLanes(options.endWithOwner ?? false, options.env),
      forkServer: this.forkServer,
      remote: options.remote,
      taskEnv: (id, base) => this.taskEnv(id, base),
      sandboxFor: (unsandboxed) => this.sandboxFor(unsandboxed),
      watchRunning: (task, handle) => this.watchRunning(task, handle),
      settle: (task, end) => this.settle(task, end),
    };
  }

  /** Starts watching a running task's output and waits for its handle to report the end. */
  watchRunning(task: LiveTask, handle: TaskHandle): void {
    const stall = task.record.stall_ms ?? this.parts.options.stallMs ?? DEFAULT_STALL_MS;
    const outputCapBytes = this.parts.options.outputCapBytes ?? DEFAULT_OUTPUT_CAP_BYTES;
    const watching = { notifyOn: task.notifyOn, stallMs: stall > 0 ? stall : undefined, outputCapBytes };
    task.handle = handle;
    task.watch = new TaskWatch(task.record.output_file, watching, Date.now());
    void handle.exited.then((end) => this.settle(task, end));
    this.parts.watcher.start();
  }

  /** Moves a task to its terminal state, frees its slot, queues its one notification. */
  settle(task: LiveTask, end: TaskEnd): void {
    const { record } = task;
    if (isTerminal(record.status)) return;
    Object.assign(record, withUserKill(this.parts.store, record.id, end));
    dropDeathLine(record);
    record.output_bytes = fileSize(record.output_file);
    task.watch = undefined;
    if (!this.sandboxFor(task.unsandboxed)?.containsProcesses)
      this.parts.sweeper.schedule(record.id, record.pid);
    this.parts.registry.persist(record);
    this.parts.events.emit({ type: "task-end", record: { ...record } });
    // Killed at shutdown: no model of this lanes will read it; the record stays undelivered for the next.
    if (record.end_reason !== "shutdown") this.parts.delivery.queueEnded(record);
    task.resolveEnded(record);
    const next = this.parts.slots.release(record.lane, record.id);
    if (next !== undefined && !this.parts.closed()) this.launch(next);
  }

  /** Ends a task's whole process group (TERM, KILL after the grace period). The caller reports the result. */
  async kill(
    id: string,
    reason: KillReason = "killed",
  ): Promise<{ record: TaskRecord; wasRunning: boolean }> {
    const task = this.parts.registry.require(id);
    if (isTerminal(task.record.status)) return { record: { ...task.record }, wasRunning: false };
    if (task.record.status === "queued") {
      this.parts.slots.dequeue(task.record.lane, id);
      const end = { status: "killed", exit_code: null, signal: null, end_reason: reason } as const;
      this.settle(task, { ...end, ended_at: new Date().toISOString() });
    } else {
      // Awaited here, not left to the unref'd ticker: with nothing else pending, Node would exit mid-kill.
      await task.handle?.terminate(reason);
    }
    const record = await task.ended;
    // On disk before anyone is told: a reply saying "killed" must not race a record still saying running.
    await this.parts.registry.flushOne(id);
    return { record: { ...record }, wasRunning: true };
  }
}
