import { join } from "node:path";
import type { GroupProcess } from "../process/group-process.js";
import type { LaunchWrapper } from "../process/launch-wrapper.js";
import { processAlive } from "../process/process-alive.js";
import { TaskRunner } from "./task-runner.js";
import { TaskQuery } from "./task-query.js";
import { pickEnds, shutdownGracefully, shutdownNow, type ShutdownParts } from "./shutdown.js";
import { EscapeSweeper } from "./escape-sweeper.js";
import { ForegroundHolds } from "./foreground-holds.js";
import { LaneEvents } from "./lane-events.js";
import { workspaceSlots, type LaneSlots } from "./lane-slots.js";
import {
  DEFAULT_STALL_MS,
  type LaneEvent,
  type LaneManagerOptions,
  type LaneWait,
  type StartTaskRequest,
  type WaitResult,
} from "./lane-types.js";
import { leftoverTask } from "./leftover-task.js";
import type { Notification, PendingNotices } from "./notification-queue.js";
import type { DeliveryLedger } from "../delivery/ledger.js";
import { OtherTasks } from "./other-tasks.js";
import { OutputWatcher } from "./output-watcher.js";
import { recoverySummary, type Recovery } from "./recovery.js";
import { claimedRecovery } from "./record-claims.js";
import { spawnedTask } from "./spawned-task.js";
import { TaskDelivery } from "./task-delivery.js";
import { admitTask, laneWaitOf } from "./task-admission.js";
import type { KillReason } from "./task-handle.js";
import { writeTaskInput } from "./task-input.js";
import { takeOverRecovered, trackRunning, type IntakeContext } from "./running-intake.js";
import type { TaskRecord } from "./task-record.js";
import { TaskRegistry } from "./task-registry.js";
import { TaskStore, type CorruptRecord } from "./task-store.js";
import { waitOwnAndOthers } from "./wait-with-others.js";

export * from "./lane-types.js";
export type { Recovery } from "./recovery.js";

/**
 * The background runtime, composed of parts with one job each: the registry of records, the lane slots,
 * the output watch, the delivery queue, and one TaskHandle per running task (whatever kind runs it). It
 * produces records and events as data; format.ts writes what the model and the user read.
 */
export class LaneManager extends TaskQuery {
  readonly workspace: string;
  readonly ownerPid: number;
  readonly store: TaskStore;
  readonly corruptRecords: CorruptRecord[] = [];
  private readonly events = new LaneEvents();
  private readonly delivery: TaskDelivery;
  private readonly slots: LaneSlots;
  private readonly sweeper = new EscapeSweeper(() => this.killGraceMs);
  private readonly watcher: OutputWatcher;
  private closed = false;
  private readonly foreground = new ForegroundHolds();
  private readonly intake: IntakeContext;
  private readonly runner: TaskRunner;

  constructor(private readonly options: LaneManagerOptions) {
    const create = options.createOnFirstTask ? "on-first-task" : true;
    const store = new TaskStore(options.lanesDir ?? join(options.workspace, ".lanes"), { create });
    const registry = new TaskRegistry(store);
    // Read-only: listing another lanes' tasks must never move a record it cannot parse (recover() does that).
    const readOnly = new TaskStore(store.lanesDir, { create: false });
    super(registry, new OtherTasks(readOnly, (id) => registry.has(id), options.ownerPid));
    this.workspace = options.workspace;
    this.ownerPid = options.ownerPid;
    this.store = store;
    this.delivery = new TaskDelivery(this.registry, this.events);
    this.watcher = new OutputWatcher(() => this.registry.all(), this.delivery, options.tickMs ?? 250);
    const onReady = (id: string): void => void (this.closed || this.runner.launch(id));
    this.slots = workspaceSlots(this.store, options, onReady);
    this.runner = new TaskRunner({
      options,
      registry: this.registry,
      store: this.store,
      slots: this.slots,
      events: this.events,
      delivery: this.delivery,
      watcher: this.watcher,
      sweeper: this.sweeper,
      closed: () => this.closed,
    });
    this.intake = {
      workspace: this.workspace,
      ownerPid: this.ownerPid,
      registry: this.registry,
      store: this.store,
      slots: this.slots,
      events: this.events,
      delivery: this.delivery,
      killGraceMs: () => this.killGraceMs,
      watchRunning: (task, handle) => this.runner.watchRunning(task, handle),
      enqueue: (task) => this.runner.enqueue(task),
      adoptRemote: (record) =>
        options.remote?.adopt(
          record,
          () => (this.registry.persist(record), this.registry.flushOne(record.id)),
        ),
    };
  }

  /** Called once a new task's record is on disk, before it starts (the session notes the task there). */
  onRecorded(listener: (record: TaskRecord) => void): () => void {
    return this.events.onRecorded(listener);
  }

  get notifications(): PendingNotices {
    return this.delivery.pending;
  }

  /** The delivery ledger: front ends take, claim, ack and nack results here (src/delivery/ledger.ts). */
  get results(): DeliveryLedger<Notification> {
    return this.delivery.ledger;
  }

  /** The remote lanes, one line each, for the tool description. */
  get remoteLanes(): readonly string[] {
    return this.options.remote?.descriptions ?? [];
  }

  /** Time between TERM and KILL, for anything that ends processes on this manager's behalf. */
  get killGraceMs(): number {
    return this.runner.killGraceMs;
  }

  subscribe(listener: (event: LaneEvent) => void): () => void {
    return this.events.subscribe(listener);
  }

  /**
   * Waits for this session's tasks and, by polling the reconcile, for another lanes' tasks. Marks nothing
   * delivered: the caller counts this session's results once its reply reached the model; another lanes'
   * stay its own to tell its model.
   */
  async wait(
    ids: string[],
    mode: "any" | "all",
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<WaitResult> {
    return waitOwnAndOthers(
      { registry: this.registry, others: this.others },
      { ids, mode, timeoutMs, signal },
    );
  }

  drainNotifications(): Notification[] {
    return this.delivery.drain();
  }

  /** These ended tasks' results reached the reader another way: delivered, never queued again. */
  markDelivered(ids: string[]): void {
    this.delivery.markDelivered(ids);
  }

  readCursor(id: string): number {
    return this.delivery.readCursor(id);
  }

  setReadCursor(id: string, offset: number): void {
    this.delivery.setReadCursor(id, offset);
  }

  /** Ids foreground commands hold now (their reservation ends with them): 0 once none runs. */
  get reservedIdCount(): number {
    return this.registry.reservedCount;
  }

  /** An id for a foreground command (its marker; its task id if moved into a lane), held until released. */
  reserveId(): { id: string; release(): void } {
    const id = this.registry.reserveId();
    return { id, release: () => this.registry.releaseReservedId(id) };
  }

  flush(): Promise<void> {
    return this.registry.flush();
  }

  /** Lists the given tasks of a resumed session again (read from disk; those already tracked are kept). */
  loadHistory(ids: string[]): void {
    this.registry.loadHistory(ids);
  }

  /**
   * Picks up what an earlier lanes left behind, through the same reconcile every view uses: tasks still
   * running are adopted (their notify_on, stall and timeout re-armed) and told to the model once; ended ones
   * take their exit file's code and end time, or are lost; every result not yet delivered is queued once.
   */
  recover(): Recovery & { leftovers: number } {
    this.store.settleTemps(processAlive);
    const { records, corrupt } = this.store.loadAll();
    this.corruptRecords.push(...corrupt);
    const plan = claimedRecovery(this.store.dir, records, this.intake.ownerPid);
    const leftovers = takeOverRecovered(this.intake, plan, (id) => this.sweepEscaped(id));
    return { ...recoverySummary(plan), leftovers };
  }

  start(request: StartTaskRequest): TaskRecord {
    if (this.closed) throw new Error("lanes is shutting down; no new tasks");
    const stallMs = request.stallMs ?? this.options.stallMs ?? DEFAULT_STALL_MS;
    return admitTask(this.intake, { ...request, stallMs }, (id) => this.runner.launch(id));
  }

  /** For a queued task, what it waits for: the tasks holding its lane's slots, here or in another lanes. */
  waitingFor(id: string): LaneWait | undefined {
    return laneWaitOf(this.intake, id);
  }

  /** Ends a task's whole process group (TERM, KILL after the grace period). The caller reports the result. */
  kill(id: string, reason: KillReason = "killed"): Promise<{ record: TaskRecord; wasRunning: boolean }> {
    return this.runner.kill(id, reason);
  }

  /**
   * Writes to a running task's stdin; `close` ends the input (EOF). Resolves `pending: true` when the task
   * has not taken the bytes within a moment (it is not reading): they stay queued, and the caller goes on.
   */
  async sendInput(
    id: string,
    text: string,
    close: boolean,
    signal?: AbortSignal,
  ): Promise<{ record: TaskRecord; pending: boolean }> {
    const task = this.registry.require(id);
    const pending = await writeTaskInput(task, text, close, signal);
    return { record: { ...task.record }, pending };
  }

  /**
   * Takes over a foreground process that ran too long: it becomes a tracked background task with a record,
   * a log (the file is moved, the process keeps writing to it) and one notification when it ends. Its exit
   * file stays where the foreground run put it, so its end is known even after a crash.
   */
  adoptForeground(request: {
    id: string;
    command: string;
    process: GroupProcess;
    outputFile: string;
    exitFile?: string;
    startedAt: number;
  }): TaskRecord {
    const handle = spawnedTask(request.process);
    return trackRunning(this.intake, request, "moved_from_foreground", handle, request.startedAt);
  }

  /**
   * Tracks processes a finished foreground command left running in its group (`server &`), so they are
   * listed, killable and notified like any task.
   */
  adoptGroup(request: { id: string; command: string; pgid: number; outputFile: string }): TaskRecord {
    const handle = leftoverTask(request.pgid, request.id, this.killGraceMs);
    return trackRunning(this.intake, request, "adopted_leftovers", handle, Date.now());
  }

  /** The sandbox a command starts in: the session's, unless this one command was approved to run outside. */
  sandboxFor(unsandboxed = false): LaunchWrapper | undefined {
    return this.runner.sandboxFor(unsandboxed);
  }

  /** The environment a command runs with: the configured base plus the marker that finds its processes. */
  taskEnv(taskId: string): NodeJS.ProcessEnv {
    return this.runner.taskEnv(taskId);
  }

  /** Registers a foreground command while it runs; returns the function that forgets it. */
  holdForeground(id: string, child: GroupProcess): () => void {
    return this.foreground.hold(id, child);
  }

  /** Looks (soon, batched) for processes of an ended task or foreground command that escaped its group. */
  sweepEscaped(id: string): void {
    this.sweeper.schedule(id);
  }

  /**
   * Ends every running task that is not persisted (TERM, KILL after the grace period) and records it as
   * killed at shutdown, its result still undelivered: the next session tells the model. Persisted tasks are
   * left running, listed for the next session.
   */
  async shutdown(): Promise<void> {
    this.closed = true;
    await shutdownGracefully(this.shutdownParts());
  }

  /** Last resort on process exit: no event loop left, so KILL at once and write records synchronously. */
  shutdownSync(): void {
    this.closed = true;
    shutdownNow(this.shutdownParts());
  }

  private shutdownParts(): ShutdownParts {
    const { registry, slots, foreground, sweeper, watcher, store, runner } = this;
    const kill = (id: string): Promise<unknown> => this.kill(id, "shutdown");
    return { registry, slots, foreground, sweeper, watcher, store, kill, ...pickEnds(this.options, runner) };
  }
}
