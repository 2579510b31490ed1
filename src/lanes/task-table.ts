import { join } from "node:path";
import type { Pattern } from "../patterns/pattern.js";
import type { GroupProcess } from "../process/group-process.js";
import { readTail } from "../text/utf8-window.js";
import { notificationLine } from "./format.js";
import type { LaneEvent, StartTaskRequest, WaitResult } from "./lane-types.js";
import { raceTimeout } from "./race-timeout.js";
import { NotificationQueue, type Notification } from "./notification-queue.js";
import { RecordWriter } from "./record-writer.js";
import { newTaskRecord } from "./task-lifecycle.js";
import { isTerminal, type TaskRecord } from "./task-record.js";
import { TaskStore, type CorruptRecord } from "./task-store.js";
import type { TaskWatch } from "./task-watch.js";

/** A task as the runtime holds it: its record plus what is needed to watch and end it. */
export interface LiveTask {
  record: TaskRecord;
  process?: GroupProcess;
  watch?: TaskWatch;
  notifyOn?: Pattern;
  stallMs?: number;
  ended: Promise<TaskRecord>;
  resolveEnded: (record: TaskRecord) => void;
  /** Pid of a task adopted after a restart: not our child, so it is polled. */
  adoptedPid?: number;
  /** Processes a foreground command left running: watched all along, but no exit code exists for them. */
  leftovers?: boolean;
  /** The output cap was hit and the kill sent. */
  capped?: boolean;
  /** An approved escalation: this one command runs outside the OS sandbox. */
  unsandboxed?: boolean;
}

/**
 * The bookkeeping half of the runtime: which tasks exist, their persisted records, who listens, and which
 * results reached the model. LaneManager adds the processes.
 */
export class TaskTable {
  readonly workspace: string;
  readonly store: TaskStore;
  readonly notifications = new NotificationQueue();
  readonly corruptRecords: CorruptRecord[] = [];
  protected readonly tasks = new Map<string, LiveTask>();
  private readonly listeners = new Set<(event: LaneEvent) => void>();
  private readonly writer: RecordWriter;
  private readonly readCursors = new Map<string, number>();
  private readonly reservedIds = new Set<string>();

  constructor(workspace: string, lanesDir?: string) {
    this.workspace = workspace;
    this.store = new TaskStore(lanesDir ?? join(workspace, ".lanes"));
    this.writer = new RecordWriter(this.store);
  }

  subscribe(listener: (event: LaneEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
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

  /** Lists the given tasks of a resumed session again (read from disk; those already tracked are kept). */
  loadHistory(ids: string[]): void {
    const wanted = new Set(ids.filter((id) => !this.tasks.has(id)));
    if (wanted.size === 0) return;
    for (const record of this.store.loadAll().records) {
      if (wanted.has(record.id) && isTerminal(record.status)) this.tasks.set(record.id, settledTask(record));
    }
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

  /** Queues again the results of ended tasks not yet delivered (their carrier conversation was dropped). */
  requeueResults(ids: string[]): void {
    for (const id of ids) {
      const record = this.tasks.get(id)?.record;
      if (record && isTerminal(record.status) && !record.notified) this.queueEnded(record);
    }
  }

  /** Read cursor for `check_background output="new"`: bytes of the log the model has already seen. */
  readCursor(id: string): number {
    return this.readCursors.get(id) ?? 0;
  }

  setReadCursor(id: string, offset: number): void {
    this.readCursors.set(id, offset);
  }

  /** An id for a foreground command: its marker now, its task id if it is moved into a lane later. */
  reserveId(): string {
    const id = this.newUniqueId();
    this.reservedIds.add(id);
    return id;
  }

  /** Waits for every pending record write. */
  async flush(): Promise<void> {
    await this.writer.flush();
  }

  protected releaseReservedId(id: string): void {
    this.reservedIds.delete(id);
  }

  protected requireTask(id: string): LiveTask {
    const task = this.tasks.get(id);
    if (!task) throw new Error(`no background task with id ${id}`);
    return task;
  }

  protected newUniqueId(): string {
    let id = this.store.newId();
    while (this.tasks.has(id) || this.reservedIds.has(id)) id = this.store.newId();
    return id;
  }

  protected newRecord(id: string, request: StartTaskRequest): TaskRecord {
    const paths = this.store.paths(id);
    return newTaskRecord(id, request, { cwd: this.workspace, log: paths.log, exit: paths.exit });
  }

  protected track(record: TaskRecord, extra: Partial<LiveTask> = {}): LiveTask {
    let resolveEnded: (record: TaskRecord) => void = () => {};
    const ended = new Promise<TaskRecord>((resolve) => (resolveEnded = resolve));
    const task: LiveTask = { ...extra, record, ended, resolveEnded };
    this.tasks.set(record.id, task);
    return task;
  }

  /** Lists a record that has already ended (found on disk). */
  protected trackSettled(record: TaskRecord): void {
    if (!this.tasks.has(record.id)) this.tasks.set(record.id, settledTask(record));
  }

  protected persist(record: TaskRecord): void {
    this.writer.write(record);
  }

  /** A finished task's result as one line: status, exit code, duration, command, output tail, log file. */
  resultLine(record: TaskRecord): string {
    return notificationLine(this.workspace, record, readTail(record.output_file, 4096).text);
  }

  protected queueEnded(record: TaskRecord): void {
    const priority = record.status === "completed" ? "medium" : "high";
    this.pushNotice(record.id, "ended", priority, this.resultLine(record));
  }

  protected pushNotice(
    taskId: string,
    kind: Notification["kind"],
    priority: Notification["priority"],
    text: string,
  ): void {
    this.notifications.push({ taskId, kind, priority, text });
    this.emit({
      type: "notification",
      notification: { taskId, kind, priority, text, createdAt: Date.now(), seq: -1 },
    });
  }

  protected emit(event: LaneEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A broken listener (UI, transcript) must never break the runtime.
      }
    }
  }
}

function settledTask(record: TaskRecord): LiveTask {
  return { record, ended: Promise.resolve(record), resolveEnded: () => {} };
}
