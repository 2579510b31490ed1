import { renameSync, statSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_KILL_GRACE_MS, startGroupProcess, type GroupProcess } from "../process/group-process.js";
import { signalGroup, terminateGroup } from "../process/kill-group.js";
import { endMarkedProcesses } from "../process/marked-processes.js";
import type { ProcessResult } from "../process/process-result.js";
import { readTail } from "../text/utf8-window.js";
import { notificationLine } from "./format.js";
import { LaneSlots } from "./lane-slots.js";
import { NotificationQueue, type Notification } from "./notification-queue.js";
import { completeUnobserved, reconcileRecords } from "./reconcile.js";
import { isTerminal, type TaskRecord, type TaskStatus } from "./task-record.js";
import { TaskStore, type CorruptRecord } from "./task-store.js";
import { TaskWatch } from "./task-watch.js";

export interface LaneManagerOptions {
  workspace: string;
  /** Default `<workspace>/.lanes`. */
  lanesDir?: string;
  /** Environment for tasks (the caller strips secrets). LANES_TASK_ID is added per task. */
  env?: NodeJS.ProcessEnv;
  laneLimits?: Record<string, number>;
  defaultLaneLimit?: number;
  killGraceMs?: number;
  outputCapBytes?: number;
  /** Default silence before a stall notice; 0 disables. */
  stallMs?: number;
  tickMs?: number;
}

export interface StartTaskRequest {
  command: string;
  description?: string;
  timeoutMs?: number;
  lane?: string;
  /** A regex: one extra notification when a line first matches. */
  notifyOn?: string;
  stallMs?: number;
  persist?: boolean;
}

export type LaneEvent =
  | { type: "task-queued"; record: TaskRecord }
  | { type: "task-start"; record: TaskRecord }
  | { type: "task-end"; record: TaskRecord }
  | { type: "notification"; notification: Notification };

export interface WaitResult {
  ended: TaskRecord[];
  running: TaskRecord[];
  timedOut: boolean;
}

interface LiveTask {
  record: TaskRecord;
  process?: GroupProcess;
  watch?: TaskWatch;
  notifyOn?: RegExp;
  stallMs?: number;
  ended: Promise<TaskRecord>;
  resolveEnded: (record: TaskRecord) => void;
  /** Pid of a task adopted after a restart: not our child, so it is polled. */
  adoptedPid?: number;
  /** Processes a foreground command left running: watched all along, but no exit code exists for them. */
  leftovers?: boolean;
}

export const DEFAULT_LANE_LIMIT = 8;
export const DEFAULT_OUTPUT_CAP_BYTES = 1024 ** 3;
export const DEFAULT_STALL_MS = 45_000;

/**
 * The background runtime: starts commands in process groups, persists their records, watches their output,
 * and queues exactly one result notice per finished task for the loop to drain before its next model call.
 */
export class LaneManager {
  readonly workspace: string;
  readonly store: TaskStore;
  readonly notifications = new NotificationQueue();
  readonly corruptRecords: CorruptRecord[] = [];
  private readonly tasks = new Map<string, LiveTask>();
  private readonly slots: LaneSlots;
  private readonly listeners = new Set<(event: LaneEvent) => void>();
  private readonly writes = new Map<string, Promise<void>>();
  private readonly readCursors = new Map<string, number>();
  private ticker: NodeJS.Timeout | undefined;
  private closed = false;
  /** Task ids (and foreground markers) whose escaped processes are to be looked for in /proc. */
  private readonly sweepIds = new Set<string>();
  /** Ids swept once already: swept again with KILL when lanes ends, for escapees that ignored the TERM. */
  private readonly sweptIds = new Set<string>();
  private sweepTimer: NodeJS.Timeout | undefined;
  private readonly reservedIds = new Set<string>();

  constructor(private readonly options: LaneManagerOptions) {
    this.workspace = options.workspace;
    this.store = new TaskStore(options.lanesDir ?? join(options.workspace, ".lanes"));
    this.slots = new LaneSlots(options.laneLimits ?? {}, options.defaultLaneLimit ?? DEFAULT_LANE_LIMIT);
  }

  /** Time between TERM and KILL, for anything that ends processes on this manager's behalf. */
  get killGraceMs(): number {
    return this.options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  }

  subscribe(listener: (event: LaneEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Picks up what an earlier lanes left behind: running tasks are adopted, ended ones completed from their
   * exit files, the rest marked lost; every result not yet delivered is queued once.
   */
  recover(): { adopted: string[]; recovered: string[]; lost: string[] } {
    const { records, corrupt } = this.store.loadAll();
    this.corruptRecords.push(...corrupt);
    const outcome = reconcileRecords(records, process.pid);
    for (const record of outcome.adopt) {
      record.owner_pid = process.pid;
      this.track(record, { adoptedPid: record.pid ?? undefined });
      this.persist(record);
    }
    for (const record of outcome.finished) {
      this.persist(record);
      this.tasks.set(record.id, this.settledTask(record));
      // It ended while no lanes watched, so nothing ended what it left running (cmd &, setsid): do it now.
      this.sweepEscaped(record.id);
    }
    for (const record of outcome.undelivered) {
      if (!this.tasks.has(record.id)) this.tasks.set(record.id, this.settledTask(record));
      this.queueEnded(record);
    }
    if (outcome.adopt.length > 0) this.ensureTicker();
    return {
      adopted: outcome.adopt.map((r) => r.id),
      recovered: outcome.finished.filter((r) => r.status !== "lost").map((r) => r.id),
      lost: outcome.finished.filter((r) => r.status === "lost").map((r) => r.id),
    };
  }

  /** Lists the given tasks of a resumed session again (read from disk; those already tracked are kept). */
  loadHistory(ids: string[]): void {
    const wanted = new Set(ids.filter((id) => !this.tasks.has(id)));
    if (wanted.size === 0) return;
    for (const record of this.store.loadAll().records) {
      if (wanted.has(record.id) && isTerminal(record.status))
        this.tasks.set(record.id, this.settledTask(record));
    }
  }

  start(request: StartTaskRequest): TaskRecord {
    if (this.closed) throw new Error("lanes is shutting down; no new tasks");
    const notifyOn = request.notifyOn === undefined ? undefined : new RegExp(request.notifyOn);
    const record = this.newRecord(this.newUniqueId(), request);
    const { id } = record;
    const stallMs = request.stallMs ?? this.options.stallMs ?? DEFAULT_STALL_MS;
    this.track(record, { notifyOn, stallMs: stallMs > 0 ? stallMs : undefined });
    if (this.slots.acquire(record.lane, id)) this.launch(id);
    else {
      this.persist(record);
      this.emit({ type: "task-queued", record: { ...record } });
    }
    return { ...record };
  }

  get(id: string): TaskRecord | undefined {
    const task = this.tasks.get(id);
    return task ? { ...task.record } : undefined;
  }

  list(): TaskRecord[] {
    return [...this.tasks.values()].map((task) => ({ ...task.record }));
  }

  active(): TaskRecord[] {
    return this.list().filter((record) => !isTerminal(record.status));
  }

  /** Resolves with the final record once the task has ended. Throws for an unknown id. */
  whenEnded(id: string): Promise<TaskRecord> {
    return this.requireTask(id).ended;
  }

  /**
   * Blocks until any/all of the tasks ended, the timeout passes, or the signal aborts. Results handed back
   * here count as delivered: no second notification for them.
   */
  async wait(
    ids: string[],
    mode: "any" | "all",
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<WaitResult> {
    const tasks = ids.map((id) => this.tasks.get(id)).filter((task): task is LiveTask => task !== undefined);
    const pending = tasks.filter((task) => !isTerminal(task.record.status)).map((task) => task.ended);
    let timedOut = false;
    if (pending.length > 0 && (mode === "all" || pending.length === tasks.length)) {
      const target = mode === "all" ? Promise.all(pending) : Promise.race(pending);
      timedOut = !(await raceTimeout(target, timeoutMs, signal));
    }
    const ended = tasks.filter((task) => isTerminal(task.record.status)).map((task) => task.record);
    this.markDelivered(ended.map((record) => record.id));
    return {
      ended: ended.map((record) => ({ ...record })),
      running: tasks.filter((task) => !isTerminal(task.record.status)).map((task) => ({ ...task.record })),
      timedOut,
    };
  }

  /** Ends a task's whole process group (TERM, KILL after the grace period). The caller reports the result. */
  async kill(
    id: string,
    reason: "killed" | "shutdown" = "killed",
  ): Promise<{ record: TaskRecord; wasRunning: boolean }> {
    const task = this.requireTask(id);
    if (isTerminal(task.record.status)) return { record: { ...task.record }, wasRunning: false };
    if (task.record.status === "queued") {
      this.slots.dequeue(task.record.lane, id);
      this.settle(task, { status: "killed", end_reason: reason, ended_at: new Date().toISOString() });
    } else if (task.process) {
      await task.process.terminate(reason);
    } else if (task.adoptedPid !== undefined) {
      task.record.end_reason = reason;
      // Awaited here, not left to the unref'd ticker: with nothing else pending, Node would exit mid-kill.
      await terminateGroup(task.adoptedPid, this.killGraceMs);
      this.settleAdopted(task);
    }
    const record = await task.ended;
    return { record: { ...record }, wasRunning: true };
  }

  /** Writes to a running task's stdin; `close` ends the input (EOF). */
  async sendInput(id: string, text: string, close: boolean): Promise<TaskRecord> {
    const task = this.requireTask(id);
    if (task.record.status !== "running") throw new Error(`task ${id} is ${task.record.status}, not running`);
    const stdin = task.process?.stdin;
    if (!stdin || stdin.destroyed || stdin.writableEnded) {
      throw new Error(
        `task ${id} has no open stdin (it was closed, the task was moved from a foreground bash, which gets none, or it was adopted after a restart)`,
      );
    }
    if (text.length > 0) {
      await new Promise<void>((resolve, reject) =>
        stdin.write(text, (error) => (error ? reject(error) : resolve())),
      );
    }
    if (close) stdin.end();
    return { ...task.record };
  }

  /**
   * Takes over a foreground process that ran too long: it becomes a tracked background task with a record,
   * a log (the file is moved, the process keeps writing to it) and one notification when it ends.
   */
  adoptForeground(request: {
    id: string;
    command: string;
    process: GroupProcess;
    outputFile: string;
    startedAt: number;
  }): TaskRecord {
    const { id } = request;
    this.reservedIds.delete(id);
    const paths = this.store.paths(id);
    renameSync(request.outputFile, paths.log);
    const record: TaskRecord = {
      ...this.newRecord(id, { command: request.command, description: "moved from foreground bash" }),
      status: "running",
      pid: request.process.pid ?? null,
      started_at: new Date(request.startedAt).toISOString(),
    };
    const task = this.track(record, {});
    task.process = request.process;
    task.watch = new TaskWatch(record.output_file, { outputCapBytes: this.outputCap() }, Date.now());
    this.slots.occupy(record.lane, id);
    this.persist(record);
    this.emit({ type: "task-start", record: { ...record } });
    this.ensureTicker();
    void request.process.exited.then((result) => this.onExit(task, result));
    return { ...record };
  }

  /**
   * Tracks processes a finished foreground command left running in its group (`server &`), so they are
   * listed, killable and notified like any task.
   */
  adoptGroup(request: { id: string; command: string; pgid: number; outputFile: string }): TaskRecord {
    const { id } = request;
    this.reservedIds.delete(id);
    renameSync(request.outputFile, this.store.paths(id).log);
    const record: TaskRecord = {
      ...this.newRecord(id, {
        command: request.command,
        description: "left running by a foreground bash (cmd &)",
      }),
      status: "running",
      pid: request.pgid,
      started_at: new Date().toISOString(),
    };
    this.track(record, { adoptedPid: request.pgid, leftovers: true });
    this.slots.occupy(record.lane, id);
    this.persist(record);
    this.emit({ type: "task-start", record: { ...record } });
    this.ensureTicker();
    return { ...record };
  }

  /** The environment a command runs with: the configured base plus the marker that finds its processes. */
  taskEnv(taskId: string): NodeJS.ProcessEnv {
    return { ...(this.options.env ?? process.env), LANES_TASK_ID: taskId };
  }

  /** An id for a foreground command: its marker now, its task id if it is moved into a lane later. */
  reserveId(): string {
    const id = this.newUniqueId();
    this.reservedIds.add(id);
    return id;
  }

  /**
   * Looks (soon, batched) for processes of an ended task or foreground command that escaped its process
   * group, and ends them. Batched so a burst of task ends costs one /proc scan.
   */
  sweepEscaped(id: string): void {
    this.sweepIds.add(id);
    this.sweepTimer ??= setTimeout(() => this.sweepNow(this.killGraceMs), 200);
  }

  /** Returns how many escaped processes were found and signalled. */
  sweepNow(graceMs: number): number {
    clearTimeout(this.sweepTimer);
    this.sweepTimer = undefined;
    const ids = new Set(this.sweepIds);
    this.sweepIds.clear();
    for (const id of ids) this.sweptIds.add(id);
    return endMarkedProcesses(ids, graceMs);
  }

  /**
   * At lanes' end: KILL at once whatever still carries the marker of anything swept before. The KILL that
   * follows a sweep's TERM is an unref'd timer, so an escapee ignoring TERM would outlive lanes otherwise.
   */
  private sweepFinal(): void {
    for (const id of this.sweptIds) this.sweepIds.add(id);
    this.sweepNow(0);
  }

  /** Everything pending for the model, most urgent first; [] when nothing is. */
  drainNotifications(): Notification[] {
    return this.notifications.drain();
  }

  /** Persists `notified` for tasks whose results reached the model. */
  markDelivered(ids: string[]): void {
    for (const id of ids) {
      const task = this.tasks.get(id);
      this.notifications.discard(id);
      if (!task || task.record.notified || !isTerminal(task.record.status)) continue;
      task.record.notified = true;
      this.persist(task.record);
    }
  }

  /** Read cursor for `check_background output="new"`: bytes of the log the model has already seen. */
  readCursor(id: string): number {
    return this.readCursors.get(id) ?? 0;
  }

  setReadCursor(id: string, offset: number): void {
    this.readCursors.set(id, offset);
  }

  /**
   * Ends every running task that is not persisted (TERM, KILL after the grace period) and records it as
   * killed. Persisted tasks are left running, listed for the next session.
   */
  async shutdown(): Promise<void> {
    this.closed = true;
    const live = [...this.tasks.values()].filter((t) => !isTerminal(t.record.status));
    for (const task of live) if (task.record.persist) task.process?.release();
    const victims = live.filter((task) => !task.record.persist);
    await Promise.all(victims.map((task) => this.kill(task.record.id, "shutdown")));
    for (const task of victims) task.record.notified = true;
    this.sweepFinal();
    await this.flush();
    for (const task of victims) this.store.saveSync(task.record);
    this.stopTicker();
  }

  /** Last resort on process exit: no event loop left, so KILL at once and write records synchronously. */
  shutdownSync(): void {
    this.closed = true;
    for (const task of this.tasks.values()) {
      if (isTerminal(task.record.status) || task.record.persist) continue;
      const pid = task.record.pid;
      if (pid !== null) signalGroup(pid, "SIGKILL");
      Object.assign(task.record, {
        status: "killed" satisfies TaskStatus,
        end_reason: "shutdown",
        ended_at: new Date().toISOString(),
        notified: true,
      });
      this.store.saveSync(task.record);
      this.sweepIds.add(task.record.id);
    }
    this.sweepFinal();
    this.stopTicker();
  }

  /** Waits for every pending record write. */
  async flush(): Promise<void> {
    await Promise.all(this.writes.values());
  }

  private newRecord(id: string, request: StartTaskRequest): TaskRecord {
    const paths = this.store.paths(id);
    return {
      id,
      type: "local_bash",
      status: "queued",
      command: request.command,
      description: request.description ?? null,
      cwd: this.workspace,
      lane: request.lane ?? "default",
      pid: null,
      started_at: null,
      ended_at: null,
      exit_code: null,
      signal: null,
      end_reason: null,
      timeout_ms: request.timeoutMs ?? null,
      output_file: paths.log,
      exit_file: paths.exit,
      output_bytes: 0,
      notified: false,
      persist: request.persist ?? false,
      owner_pid: process.pid,
      created_at: new Date().toISOString(),
    };
  }

  private requireTask(id: string): LiveTask {
    const task = this.tasks.get(id);
    if (!task) throw new Error(`no background task with id ${id}`);
    return task;
  }

  private newUniqueId(): string {
    let id = this.store.newId();
    while (this.tasks.has(id) || this.reservedIds.has(id)) id = this.store.newId();
    return id;
  }

  private track(
    record: TaskRecord,
    extra: { notifyOn?: RegExp; stallMs?: number; adoptedPid?: number; leftovers?: boolean },
  ): LiveTask {
    let resolveEnded: (record: TaskRecord) => void = () => {};
    const ended = new Promise<TaskRecord>((resolve) => (resolveEnded = resolve));
    const task: LiveTask = { record, ended, resolveEnded, ...extra };
    if (extra.adoptedPid !== undefined) {
      task.watch = new TaskWatch(record.output_file, { outputCapBytes: this.outputCap() }, Date.now());
    }
    this.tasks.set(record.id, task);
    return task;
  }

  private settledTask(record: TaskRecord): LiveTask {
    return { record, ended: Promise.resolve(record), resolveEnded: () => {} };
  }

  private launch(id: string): void {
    const task = this.tasks.get(id);
    if (!task) return;
    const { record } = task;
    // Taken before the spawn, so a reported duration is never shorter than the command's real run.
    const startedAt = new Date().toISOString();
    const child = startGroupProcess({
      command: record.command,
      cwd: record.cwd,
      env: this.taskEnv(id),
      outputFile: record.output_file,
      exitFile: record.exit_file,
      stdin: "pipe",
      timeoutMs: record.timeout_ms ?? undefined,
      killGraceMs: this.options.killGraceMs,
    });
    task.process = child;
    task.watch = new TaskWatch(
      record.output_file,
      { notifyOn: task.notifyOn, stallMs: task.stallMs, outputCapBytes: this.outputCap() },
      Date.now(),
    );
    record.status = "running";
    record.pid = child.pid ?? null;
    record.started_at = startedAt;
    this.persist(record);
    this.emit({ type: "task-start", record: { ...record } });
    this.ensureTicker();
    void child.exited.then((result) => this.onExit(task, result));
  }

  private onExit(task: LiveTask, result: ProcessResult): void {
    const status: TaskStatus =
      result.reason === "timeout"
        ? "timed_out"
        : result.reason === "killed" || result.reason === "output_cap" || result.reason === "shutdown"
          ? "killed"
          : result.exitCode === 0
            ? "completed"
            : "failed";
    this.settle(task, {
      status,
      exit_code: result.exitCode,
      signal: result.signal,
      end_reason:
        result.reason === "exit"
          ? null
          : result.reason === "spawn_error"
            ? `spawn error: ${result.error}`
            : result.reason,
      started_at: task.record.started_at ?? new Date(result.startedAt).toISOString(),
      ended_at: new Date(result.endedAt).toISOString(),
    });
  }

  /** Moves a task to its terminal state, frees its slot, queues its one notification. */
  private settle(task: LiveTask, changes: Partial<TaskRecord>): void {
    const { record } = task;
    if (isTerminal(record.status)) return;
    Object.assign(record, changes);
    record.output_bytes = fileSize(record.output_file);
    task.watch = undefined;
    this.sweepEscaped(record.id);
    this.persist(record);
    this.emit({ type: "task-end", record: { ...record } });
    if (!(record.end_reason === "shutdown")) this.queueEnded(record);
    task.resolveEnded(record);
    const next = this.slots.release(record.lane, record.id);
    if (next !== undefined && !this.closed) this.launch(next);
  }

  private queueEnded(record: TaskRecord): void {
    const tail = readTail(record.output_file, 4096).text;
    const bad = record.status !== "completed";
    this.pushNotice(
      record.id,
      "ended",
      bad ? "high" : "medium",
      notificationLine(this.workspace, record, tail),
    );
  }

  private pushNotice(
    taskId: string,
    kind: Notification["kind"],
    priority: Notification["priority"],
    text: string,
  ): void {
    this.notifications.push({ taskId, kind, priority, text });
    const notification = { taskId, kind, priority, text, createdAt: Date.now(), seq: -1 };
    this.emit({ type: "notification", notification });
  }

  private tick(): void {
    const now = Date.now();
    let watching = 0;
    for (const task of this.tasks.values()) {
      if (!task.watch || isTerminal(task.record.status)) continue;
      watching++;
      const found = task.watch.tick(now);
      task.record.output_bytes = found.outputBytes;
      const { id, command } = task.record;
      if (found.overCap && task.process) void task.process.terminate("output_cap");
      if (found.matchedLine !== undefined) {
        this.pushNotice(
          id,
          "matched",
          "medium",
          `[bg:${id}] still running, output matched notify_on: ${found.matchedLine.slice(0, 300)} (${command})`,
        );
      }
      if (found.stalledLastLine !== undefined) {
        const silent = Math.round((task.stallMs ?? 0) / 1000);
        this.pushNotice(
          id,
          "stalled",
          "high",
          `[bg:${id}] no output for ${silent}s, may be waiting for input (send_background_input) or stuck; last line: ${found.stalledLastLine.slice(0, 300)} (${command})`,
        );
      }
      if (task.adoptedPid !== undefined && !signalGroup(task.adoptedPid, 0 as unknown as NodeJS.Signals)) {
        this.settleAdopted(task);
      }
    }
    if (watching === 0) this.stopTicker();
  }

  private settleAdopted(task: LiveTask): void {
    const endReason = task.record.end_reason;
    const killed = endReason === "killed" || endReason === "shutdown";
    const done: Partial<TaskRecord> = task.leftovers
      ? {
          status: "completed",
          exit_code: null,
          end_reason:
            "its processes ended; no exit code exists for processes a foreground command left running",
          ended_at: new Date().toISOString(),
        }
      : completeUnobserved(task.record);
    this.settle(task, killed ? { ...done, status: "killed", end_reason: endReason } : done);
  }

  private ensureTicker(): void {
    if (this.ticker) return;
    this.ticker = setInterval(() => this.tick(), this.options.tickMs ?? 250);
    this.ticker.unref();
  }

  private stopTicker(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
  }

  private outputCap(): number {
    return this.options.outputCapBytes ?? DEFAULT_OUTPUT_CAP_BYTES;
  }

  /** Record writes for one task are chained so an older state never lands after a newer one. */
  private persist(record: TaskRecord): void {
    const snapshot = { ...record };
    const previous = this.writes.get(record.id) ?? Promise.resolve();
    const next = previous.then(() => this.store.save(snapshot)).catch(() => {});
    this.writes.set(record.id, next);
  }

  private emit(event: LaneEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A broken listener (UI, transcript) must never break the runtime.
      }
    }
  }
}

function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** True when `promise` settled first, false on timeout or abort. Timer cleans itself up. */
async function raceTimeout(
  promise: Promise<unknown>,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<boolean> {
  if (signal?.aborted) return false;
  let cleanup = (): void => {};
  const stop = new Promise<false>((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    const onAbort = (): void => resolve(false);
    signal?.addEventListener("abort", onAbort, { once: true });
    cleanup = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    };
  });
  try {
    return await Promise.race([promise.then(() => true as const), stop]);
  } finally {
    cleanup();
  }
}
