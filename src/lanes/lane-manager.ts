import { join } from "node:path";
import { fileSize } from "../text/utf8-window.js";
import { DEFAULT_KILL_GRACE_MS, startGroupProcess, type GroupProcess } from "../process/group-process.js";
import { Pattern } from "../patterns/pattern.js";
import { TASK_MARKER } from "../process/marked-processes.js";
import type { LaunchWrapper } from "../process/launch-wrapper.js";
import { EscapeSweeper } from "./escape-sweeper.js";
import { ForegroundHolds } from "./foreground-holds.js";
import { killedBeforeStart, killRequested, withUserKill } from "./kill-request.js";
import { LaneEvents } from "./lane-events.js";
import { workspaceSlots, type LaneSlots } from "./lane-slots.js";
import {
  DEFAULT_OUTPUT_CAP_BYTES,
  DEFAULT_STALL_MS,
  type LaneEvent,
  type LaneManagerOptions,
  type LaneWait,
  type StartTaskRequest,
  type WaitResult,
} from "./lane-types.js";
import { leftoverTask } from "./leftover-task.js";
import type { Notification, NotificationQueue } from "./notification-queue.js";
import { OtherTasks, type OtherTask } from "./other-tasks.js";
import { OutputWatcher } from "./output-watcher.js";
import { planRecovery, recoverySummary, type Recovery } from "./recovery.js";
import { spawnedTask } from "./spawned-task.js";
import { TaskDelivery } from "./task-delivery.js";
import type { KillReason, TaskEnd, TaskHandle } from "./task-handle.js";
import { writeTaskInput } from "./task-input.js";
import { newRecordIn, takeOverRecovered, trackRunning, type IntakeContext } from "./running-intake.js";
import { isTerminal, type TaskRecord } from "./task-record.js";
import { TaskRegistry, type LiveTask } from "./task-registry.js";
import { TaskStore, type CorruptRecord } from "./task-store.js";
import { TaskWatch } from "./task-watch.js";
import { waitOwnAndOthers } from "./wait-with-others.js";

export * from "./lane-types.js";
export type { Recovery } from "./recovery.js";

/**
 * The background runtime, composed of parts with one job each: the registry of records, the lane slots,
 * the output watch, the delivery queue, and one TaskHandle per running task (whatever kind runs it). It
 * produces records and events as data; format.ts writes what the model and the user read.
 */
export class LaneManager {
  readonly workspace: string;
  readonly store: TaskStore;
  readonly corruptRecords: CorruptRecord[] = [];
  private readonly registry: TaskRegistry;
  private readonly others: OtherTasks;
  private readonly events = new LaneEvents();
  private readonly delivery: TaskDelivery;
  private readonly slots: LaneSlots;
  private readonly sweeper = new EscapeSweeper(() => this.killGraceMs);
  private readonly watcher: OutputWatcher;
  private closed = false;
  private readonly foreground = new ForegroundHolds();
  private readonly intake: IntakeContext;

  constructor(private readonly options: LaneManagerOptions) {
    this.workspace = options.workspace;
    const create = options.createOnFirstTask ? "on-first-task" : true;
    this.store = new TaskStore(options.lanesDir ?? join(options.workspace, ".lanes"), { create });
    this.registry = new TaskRegistry(this.store);
    // Read-only: listing another lanes' tasks must never move a record it cannot parse (recover() does that).
    const readOnly = new TaskStore(this.store.lanesDir, { create: false });
    this.others = new OtherTasks(readOnly, (id) => this.registry.has(id));
    this.delivery = new TaskDelivery(this.registry, this.events);
    this.watcher = new OutputWatcher(() => this.registry.all(), this.delivery, options.tickMs ?? 250);
    const onReady = (id: string): void => void (this.closed || this.launch(id));
    this.slots = workspaceSlots(this.store, options, onReady);
    this.intake = {
      workspace: this.workspace,
      registry: this.registry,
      store: this.store,
      slots: this.slots,
      events: this.events,
      delivery: this.delivery,
      killGraceMs: () => this.killGraceMs,
      watchRunning: (task, handle) => this.watchRunning(task, handle),
    };
  }

  get notifications(): NotificationQueue {
    return this.delivery.notifications;
  }

  /** Time between TERM and KILL, for anything that ends processes on this manager's behalf. */
  get killGraceMs(): number {
    return this.options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  }

  subscribe(listener: (event: LaneEvent) => void): () => void {
    return this.events.subscribe(listener);
  }

  get(id: string): TaskRecord | undefined {
    const task = this.registry.find(id);
    return task ? { ...task.record } : undefined;
  }

  list(): TaskRecord[] {
    return this.registry.all().map((task) => ({ ...task.record }));
  }

  active(): TaskRecord[] {
    return this.list().filter((record) => !isTerminal(record.status));
  }

  /** Resolves with the final record once the task has ended. Throws for an unknown id. */
  whenEnded(id: string): Promise<TaskRecord> {
    return this.registry.require(id).ended;
  }

  /** The workspace's tasks of another lanes that `lanes tasks` lists by default (read, never held). */
  otherTasks(): OtherTask[] {
    return this.others.list();
  }

  /** A task of another lanes in this workspace, whatever its status, as the reconcile derives it now. */
  otherTask(id: string): OtherTask | undefined {
    return this.registry.has(id) ? undefined : this.others.find(id);
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
      { registry: this.registry, others: this.others, delivery: this.delivery },
      { ids, mode, timeoutMs, signal },
    );
  }

  drainNotifications(): Notification[] {
    return this.delivery.notifications.drain();
  }

  markDelivered(ids: string[]): void {
    this.delivery.markDelivered(ids);
  }

  withholdResults(ids: string[]): void {
    this.delivery.withhold(ids);
  }

  requeueResults(ids: string[]): void {
    this.delivery.requeue(ids);
  }

  readCursor(id: string): number {
    return this.delivery.readCursor(id);
  }

  setReadCursor(id: string, offset: number): void {
    this.delivery.setReadCursor(id, offset);
  }

  reserveId(): string {
    return this.registry.reserveId();
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
    const { records, corrupt } = this.store.loadAll();
    this.corruptRecords.push(...corrupt);
    const plan = planRecovery(records);
    const leftovers = takeOverRecovered(this.intake, plan, (id) => this.sweepEscaped(id));
    return { ...recoverySummary(plan), leftovers };
  }

  start(request: StartTaskRequest): TaskRecord {
    if (this.closed) throw new Error("lanes is shutting down; no new tasks");
    // Throws PatternError before anything starts: the caller's input is refused as a whole.
    const notifyOn = request.notifyOn === undefined ? undefined : Pattern.compile(request.notifyOn);
    const stallMs = request.stallMs ?? this.options.stallMs ?? DEFAULT_STALL_MS;
    if (request.id !== undefined) this.registry.releaseReservedId(request.id);
    const record = newRecordIn(this.intake, request.id ?? this.registry.newId(), { ...request, stallMs });
    this.registry.track(record, {
      notifyOn,
      unsandboxed: request.sandbox === false,
      mirror: request.mirror,
      inheritStdin: request.inheritStdin,
      env: request.agent?.env,
    });
    if (this.slots.acquire(record.lane, record.id)) this.launch(record.id);
    else {
      this.registry.persist(record);
      this.events.emit({ type: "task-queued", record: { ...record } });
    }
    return { ...record };
  }

  /** For a queued task, what it waits for: the tasks holding its lane's slots, here or in another lanes. */
  waitingFor(id: string): LaneWait | undefined {
    const record = this.registry.find(id)?.record;
    if (record?.status !== "queued") return undefined;
    const holders = this.slots.holders(record.lane).map((holder) => {
      const found = this.registry.find(holder.taskId)?.record ?? this.store.find(holder.taskId);
      return { ...holder, ...(found ? { record: { ...found } } : {}) };
    });
    return { lane: record.lane, limit: this.slots.limitOf(record.lane), holders };
  }

  /** Ends a task's whole process group (TERM, KILL after the grace period). The caller reports the result. */
  async kill(
    id: string,
    reason: KillReason = "killed",
  ): Promise<{ record: TaskRecord; wasRunning: boolean }> {
    const task = this.registry.require(id);
    if (isTerminal(task.record.status)) return { record: { ...task.record }, wasRunning: false };
    if (task.record.status === "queued") {
      this.slots.dequeue(task.record.lane, id);
      const end = { status: "killed", exit_code: null, signal: null, end_reason: reason } as const;
      this.settle(task, { ...end, ended_at: new Date().toISOString() });
    } else {
      // Awaited here, not left to the unref'd ticker: with nothing else pending, Node would exit mid-kill.
      await task.handle?.terminate(reason);
    }
    const record = await task.ended;
    // On disk before anyone is told: a reply saying "killed" must not race a record still saying running.
    await this.registry.flushOne(id);
    return { record: { ...record }, wasRunning: true };
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
    return trackRunning(this.intake, request, "moved from foreground bash", handle, request.startedAt);
  }

  /**
   * Tracks processes a finished foreground command left running in its group (`server &`), so they are
   * listed, killable and notified like any task.
   */
  adoptGroup(request: { id: string; command: string; pgid: number; outputFile: string }): TaskRecord {
    const handle = leftoverTask(request.pgid, request.id, this.killGraceMs);
    const left = "left running by a foreground bash (cmd &)";
    return trackRunning(this.intake, request, left, handle, Date.now());
  }

  /** The sandbox a command starts in: the session's, unless this one command was approved to run outside. */
  sandboxFor(unsandboxed = false): LaunchWrapper | undefined {
    return unsandboxed ? undefined : this.options.sandbox;
  }

  /** The environment a command runs with: the configured base plus the marker that finds its processes. */
  taskEnv(taskId: string): NodeJS.ProcessEnv {
    return { ...(this.options.env ?? process.env), [TASK_MARKER]: taskId };
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
    this.slots.stop();
    const live = this.registry.all().filter((t) => !isTerminal(t.record.status));
    for (const task of live) if (task.record.persist) task.handle?.release();
    const victims = live.filter((task) => !task.record.persist);
    const [foreground] = await Promise.all([
      this.foreground.terminateAll(),
      ...victims.map((task) => this.kill(task.record.id, "shutdown")),
    ]);
    this.sweeper.final(foreground);
    await this.flush();
    for (const task of victims) this.store.saveSync(task.record);
    this.watcher.stop();
  }

  /** Last resort on process exit: no event loop left, so KILL at once and write records synchronously. */
  shutdownSync(): void {
    this.closed = true;
    this.slots.stop();
    const killed: string[] = [];
    for (const task of this.registry.all()) {
      if (isTerminal(task.record.status) || task.record.persist) continue;
      task.handle?.killNow();
      const end = { status: "killed", exit_code: null, signal: "SIGKILL", end_reason: "shutdown" } as const;
      Object.assign(task.record, { ...end, ended_at: new Date().toISOString() });
      this.store.saveSync(task.record);
      killed.push(task.record.id);
    }
    this.sweeper.final([...killed, ...this.foreground.killAllNow()]);
    this.watcher.stop();
  }

  private launch(id: string): void {
    const task = this.registry.find(id);
    if (!task) return;
    if (killRequested(this.store, id)) return this.settle(task, killedBeforeStart());
    const { record } = task;
    // Taken before the spawn, so a reported duration is never shorter than the command's real run.
    const startedAt = new Date().toISOString();
    const child = startGroupProcess({
      command: record.command,
      cwd: record.cwd,
      env: task.env ? { ...task.env, [TASK_MARKER]: id } : this.taskEnv(id),
      outputFile: record.output_file,
      exitFile: record.exit_file,
      stdin: task.inheritStdin ? "inherit" : "pipe",
      timeoutMs: record.timeout_ms ?? undefined,
      killGraceMs: this.options.killGraceMs,
      sandbox: this.sandboxFor(task.unsandboxed),
      mirror: task.mirror,
    });
    record.status = "running";
    record.pid = child.pid ?? null;
    record.started_at = startedAt;
    this.watchRunning(task, spawnedTask(child));
    this.registry.persist(record);
    this.events.emit({ type: "task-start", record: { ...record } });
  }

  /** Starts watching a running task's output and waits for its handle to report the end. */
  private watchRunning(task: LiveTask, handle: TaskHandle): void {
    const stall = task.record.stall_ms ?? this.options.stallMs ?? DEFAULT_STALL_MS;
    const outputCapBytes = this.options.outputCapBytes ?? DEFAULT_OUTPUT_CAP_BYTES;
    const watching = { notifyOn: task.notifyOn, stallMs: stall > 0 ? stall : undefined, outputCapBytes };
    task.handle = handle;
    task.watch = new TaskWatch(task.record.output_file, watching, Date.now());
    void handle.exited.then((end) => this.settle(task, end));
    this.watcher.start();
  }

  /** Moves a task to its terminal state, frees its slot, queues its one notification. */
  private settle(task: LiveTask, end: TaskEnd): void {
    const { record } = task;
    if (isTerminal(record.status)) return;
    Object.assign(record, withUserKill(this.store, record.id, end));
    record.output_bytes = fileSize(record.output_file);
    task.watch = undefined;
    if (!this.sandboxFor(task.unsandboxed)?.containsProcesses) this.sweeper.schedule(record.id);
    this.registry.persist(record);
    this.events.emit({ type: "task-end", record: { ...record } });
    // Killed at shutdown: no model of this lanes will read it; the record stays undelivered for the next.
    if (record.end_reason !== "shutdown") this.delivery.queueEnded(record);
    task.resolveEnded(record);
    const next = this.slots.release(record.lane, record.id);
    if (next !== undefined && !this.closed) this.launch(next);
  }
}
