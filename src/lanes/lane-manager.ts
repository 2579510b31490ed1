import { renameSync } from "node:fs";
import { fileSize } from "../text/utf8-window.js";
import { DEFAULT_KILL_GRACE_MS, startGroupProcess, type GroupProcess } from "../process/group-process.js";
import { groupAlive, signalGroup, terminateGroup } from "../process/kill-group.js";
import { endMarkedProcesses, TASK_MARKER } from "../process/marked-processes.js";
import type { LaunchWrapper } from "../process/launch-wrapper.js";
import type { ProcessResult } from "../process/process-result.js";
import { EscapeSweeper } from "./escape-sweeper.js";
import { Pattern } from "../patterns/pattern.js";
import { matchedLine, patternFailedLine, stalledLine } from "./format.js";
import { LaneSlots } from "./lane-slots.js";
import {
  DEFAULT_LANE_LIMIT,
  DEFAULT_OUTPUT_CAP_BYTES,
  DEFAULT_STALL_MS,
  type LaneManagerOptions,
  type StartTaskRequest,
} from "./lane-types.js";
import { completeUnobserved, reconcileRecords } from "./reconcile.js";
import { endFromResult, leftoversEnd } from "./task-lifecycle.js";
import { isTerminal, type TaskRecord, type TaskStatus } from "./task-record.js";
import { writeTaskInput } from "./task-input.js";
import { TaskTable, type LiveTask } from "./task-table.js";
import { TaskWatch } from "./task-watch.js";

export * from "./lane-types.js";

/**
 * The background runtime: starts commands in process groups, persists their records, watches their output,
 * and queues exactly one result notice per finished task for the loop to drain before its next model call.
 */
export class LaneManager extends TaskTable {
  private readonly slots: LaneSlots;
  private readonly sweeper = new EscapeSweeper(() => this.killGraceMs);
  private ticker: NodeJS.Timeout | undefined;
  private closed = false;
  /** Blocking `bash` commands in flight, by marker id: lanes ends them too when it ends first. */
  private readonly foreground = new Map<string, GroupProcess>();

  constructor(private readonly options: LaneManagerOptions) {
    super(options.workspace, options.lanesDir);
    this.slots = new LaneSlots(options.laneLimits ?? {}, options.defaultLaneLimit ?? DEFAULT_LANE_LIMIT);
  }

  /** Time between TERM and KILL, for anything that ends processes on this manager's behalf. */
  get killGraceMs(): number {
    return this.options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  }

  /**
   * Picks up what an earlier lanes left behind: running tasks are adopted, ended ones completed from their
   * exit files, the rest marked lost; every result not yet delivered is queued once.
   */
  recover(): { adopted: string[]; recovered: string[]; lost: string[]; leftovers: number } {
    const { records, corrupt } = this.store.loadAll();
    this.corruptRecords.push(...corrupt);
    const outcome = reconcileRecords(records, process.pid);
    // A record that says its task ended while processes with its marker still run: the KILL of a shutdown
    // never landed (the client killed lanes first), or a timed-out task outlived a crashed lanes. They had
    // their TERM already: KILL at once. Running tasks of a crashed lanes are adopted below, never killed.
    const leftovers = endMarkedProcesses(new Set(outcome.ended.map((record) => record.id)), 0);
    for (const record of outcome.adopt) {
      record.owner_pid = process.pid;
      const watch = new TaskWatch(record.output_file, { outputCapBytes: this.outputCap() }, Date.now());
      this.track(record, { adoptedPid: record.pid ?? undefined, watch });
      // Already running: it counts against its lane's limit like any running task.
      this.slots.occupy(record.lane, record.id);
      this.persist(record);
    }
    for (const record of outcome.finished) {
      this.persist(record);
      this.trackSettled(record);
      // It ended while no lanes watched, so nothing ended what it left running (cmd &, setsid): do it now.
      this.sweepEscaped(record.id);
    }
    for (const record of outcome.undelivered) {
      this.trackSettled(record);
      this.queueEnded(record);
    }
    if (outcome.adopt.length > 0) this.ensureTicker();
    return {
      adopted: outcome.adopt.map((r) => r.id),
      recovered: outcome.finished.filter((r) => r.status !== "lost").map((r) => r.id),
      lost: outcome.finished.filter((r) => r.status === "lost").map((r) => r.id),
      leftovers,
    };
  }

  start(request: StartTaskRequest): TaskRecord {
    if (this.closed) throw new Error("lanes is shutting down; no new tasks");
    // Throws PatternError before anything starts: the caller's input is refused as a whole.
    const notifyOn = request.notifyOn === undefined ? undefined : Pattern.compile(request.notifyOn);
    const record = this.newRecord(this.newUniqueId(), request);
    const { id } = record;
    const stallMs = request.stallMs ?? this.options.stallMs ?? DEFAULT_STALL_MS;
    this.track(record, {
      notifyOn,
      stallMs: stallMs > 0 ? stallMs : undefined,
      unsandboxed: request.sandbox === false,
    });
    if (this.slots.acquire(record.lane, id)) this.launch(id);
    else {
      this.persist(record);
      this.emit({ type: "task-queued", record: { ...record } });
    }
    return { ...record };
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
    const task = this.requireTask(id);
    const pending = await writeTaskInput(task, text, close, signal);
    return { record: { ...task.record }, pending };
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
    const task = this.trackRunning(request, "moved from foreground bash", {
      pid: request.process.pid ?? null,
      startedAt: request.startedAt,
    });
    task.process = request.process;
    void request.process.exited.then((result) => this.onExit(task, result));
    return { ...task.record };
  }

  /**
   * Tracks processes a finished foreground command left running in its group (`server &`), so they are
   * listed, killable and notified like any task.
   */
  adoptGroup(request: { id: string; command: string; pgid: number; outputFile: string }): TaskRecord {
    const description = "left running by a foreground bash (cmd &)";
    const task = this.trackRunning(request, description, { pid: request.pgid, startedAt: Date.now() });
    task.adoptedPid = request.pgid;
    task.leftovers = true;
    return { ...task.record };
  }

  /** The environment a command runs with: the configured base plus the marker that finds its processes. */
  /** The sandbox a command starts in: the session's, unless this one command was approved to run outside. */
  sandboxFor(unsandboxed = false): LaunchWrapper | undefined {
    return unsandboxed ? undefined : this.options.sandbox;
  }

  taskEnv(taskId: string): NodeJS.ProcessEnv {
    return { ...(this.options.env ?? process.env), [TASK_MARKER]: taskId };
  }

  /** Registers a foreground command while it runs; returns the function that forgets it. */
  holdForeground(id: string, child: GroupProcess): () => void {
    this.foreground.set(id, child);
    return () => this.foreground.delete(id);
  }

  /** Looks (soon, batched) for processes of an ended task or foreground command that escaped its group. */
  sweepEscaped(id: string): void {
    this.sweeper.schedule(id);
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
    const foreground = [...this.foreground.entries()];
    await Promise.all([
      ...victims.map((task) => this.kill(task.record.id, "shutdown")),
      ...foreground.map(([, child]) => child.terminate("shutdown")),
    ]);
    for (const task of victims) task.record.notified = true;
    this.sweeper.final(foreground.map(([id]) => id));
    await this.flush();
    for (const task of victims) this.store.saveSync(task.record);
    this.stopTicker();
  }

  /** Last resort on process exit: no event loop left, so KILL at once and write records synchronously. */
  shutdownSync(): void {
    this.closed = true;
    const killed: string[] = [];
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
      killed.push(task.record.id);
    }
    for (const [id, child] of this.foreground) {
      if (child.pid !== undefined) signalGroup(child.pid, "SIGKILL");
      killed.push(id);
    }
    this.sweeper.final(killed);
    this.stopTicker();
  }

  /** A process already running (moved in from the foreground) becomes a tracked task under its reserved id. */
  private trackRunning(
    request: { id: string; command: string; outputFile: string },
    description: string,
    running: { pid: number | null; startedAt: number },
  ): LiveTask {
    const { id } = request;
    this.releaseReservedId(id);
    let outputFile = this.store.paths(id).log;
    try {
      renameSync(request.outputFile, outputFile);
    } catch {
      // The tasks folder is gone (deleted under lanes): keep logging where it already does; still track it.
      outputFile = request.outputFile;
    }
    const record: TaskRecord = {
      ...this.newRecord(id, { command: request.command, description }),
      status: "running",
      pid: running.pid,
      started_at: new Date(running.startedAt).toISOString(),
      output_file: outputFile,
    };
    const watch = new TaskWatch(record.output_file, { outputCapBytes: this.outputCap() }, Date.now());
    const task = this.track(record, { watch });
    // Already running: it takes a slot even over the limit; queueing it would launch it a second time.
    this.slots.occupy(record.lane, id);
    this.persist(record);
    this.emit({ type: "task-start", record: { ...record } });
    this.ensureTicker();
    return task;
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
      sandbox: this.sandboxFor(task.unsandboxed),
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
    this.settle(task, {
      ...endFromResult(result),
      started_at: task.record.started_at ?? new Date(result.startedAt).toISOString(),
    });
  }

  /** Moves a task to its terminal state, frees its slot, queues its one notification. */
  private settle(task: LiveTask, changes: Partial<TaskRecord>): void {
    const { record } = task;
    if (isTerminal(record.status)) return;
    Object.assign(record, changes);
    record.output_bytes = fileSize(record.output_file);
    task.watch = undefined;
    this.sweeper.schedule(record.id);
    this.persist(record);
    this.emit({ type: "task-end", record: { ...record } });
    if (!(record.end_reason === "shutdown")) this.queueEnded(record);
    task.resolveEnded(record);
    const next = this.slots.release(record.lane, record.id);
    if (next !== undefined && !this.closed) this.launch(next);
  }

  private tick(): void {
    const now = Date.now();
    let watching = 0;
    for (const task of this.tasks.values()) {
      if (!task.watch || isTerminal(task.record.status)) continue;
      watching++;
      const found = task.watch.tick(now);
      const { record } = task;
      record.output_bytes = found.outputBytes;
      if (found.overCap && !task.capped) {
        // Once: a process ignoring TERM is KILLed by the escalation, not TERMed again every tick.
        task.capped = true;
        if (task.process) void task.process.terminate("output_cap");
        else if (task.adoptedPid !== undefined) {
          record.end_reason = "output_cap";
          void terminateGroup(task.adoptedPid, this.killGraceMs);
        }
      }
      if (found.matchedLine !== undefined) {
        this.pushNotice(record.id, "matched", "medium", matchedLine(record, found.matchedLine));
      }
      if (found.patternFailed !== undefined) {
        this.pushNotice(record.id, "matched", "medium", patternFailedLine(record, found.patternFailed));
      }
      if (found.stalledLastLine !== undefined) {
        this.pushNotice(
          record.id,
          "stalled",
          "high",
          stalledLine(record, task.stallMs ?? 0, found.stalledLastLine),
        );
      }
      // One /proc scan per tick serves every adopted task (zombies awaiting a slow reaper count as ended).
      if (task.adoptedPid !== undefined && !groupAlive(task.adoptedPid, now)) this.settleAdopted(task);
    }
    if (watching === 0) this.stopTicker();
  }

  private settleAdopted(task: LiveTask): void {
    const endReason = task.record.end_reason;
    const killed = endReason === "killed" || endReason === "shutdown" || endReason === "output_cap";
    const done = task.leftovers ? leftoversEnd() : completeUnobserved(task.record);
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
}
