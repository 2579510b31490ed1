import type { OutputMirror } from "../process/output-mirror.js";
import type { Pattern } from "../patterns/pattern.js";
import type { TaskWatch } from "./task-watch.js";
import type { TaskHandle } from "./task-handle.js";
import { RecordWriter } from "./record-writer.js";
import { isTerminal, type TaskRecord } from "./task-record.js";
import type { TaskStore } from "./task-store.js";
import { deferred } from "../async/deferred.js";

/** A task as the runtime holds it: its record, the handle that runs it, and what watches its output. */
export interface LiveTask {
  record: TaskRecord;
  /** Absent while queued, and for records that ended before this lanes saw them. */
  handle?: TaskHandle | undefined;
  watch?: TaskWatch | undefined;
  notifyOn?: Pattern | undefined;
  ended: Promise<TaskRecord>;
  resolveEnded: (record: TaskRecord) => void;
  /** The output cap was hit and the kill sent. */
  capped?: boolean | undefined;
  /** An approved escalation: this one command runs outside the OS sandbox. */
  unsandboxed?: boolean | undefined;
  /** Where an attached command's output is also shown (`lanes run`). */
  mirror?: OutputMirror | undefined;
  /** It reads lanes' own stdin (`lanes run`). */
  inheritStdin?: boolean | undefined;
  /** An agent's worker runs with lanes' own environment (its API key), not the commands' one. */
  env?: NodeJS.ProcessEnv | undefined;
}

/** The records of one lanes: which tasks exist, their ids, and their persisted state. Nothing else. */
export class TaskRegistry {
  private readonly tasks = new Map<string, LiveTask>();
  private readonly reservedIds = new Set<string>();
  private readonly writer: RecordWriter;

  constructor(readonly store: TaskStore) {
    this.writer = new RecordWriter(store);
  }

  find(id: string): LiveTask | undefined {
    return this.tasks.get(id);
  }

  require(id: string): LiveTask {
    const task = this.tasks.get(id);
    if (!task) throw new Error(`no background task with id ${id}`);
    return task;
  }

  all(): LiveTask[] {
    return [...this.tasks.values()];
  }

  has(id: string): boolean {
    return this.tasks.has(id);
  }

  track(record: TaskRecord, extra: Partial<LiveTask> = {}): LiveTask {
    const end = deferred<TaskRecord>();
    const task: LiveTask = { ...extra, record, ended: end.promise, resolveEnded: end.resolve };
    this.tasks.set(record.id, task);
    return task;
  }

  /** Lists a record that has already ended (found on disk). */
  trackSettled(record: TaskRecord): void {
    if (this.tasks.has(record.id) || !isTerminal(record.status)) return;
    this.tasks.set(record.id, { record, ended: Promise.resolve(record), resolveEnded: () => {} });
  }

  /** Lists the given ended tasks again from disk (a resumed session's); those already tracked are kept. */
  loadHistory(ids: string[]): void {
    const wanted = new Set(ids.filter((id) => !this.tasks.has(id)));
    if (wanted.size === 0) return;
    for (const record of this.store.loadAll().records) if (wanted.has(record.id)) this.trackSettled(record);
  }

  persist(record: TaskRecord): void {
    this.writer.write(record);
  }

  /** Writes the record before going on (it throws if it cannot): what a crash right after must find. */
  persistNow(record: TaskRecord): void {
    this.writer.writeNow(record);
  }

  /** Waits for one task's pending record writes. */
  flushOne(id: string): Promise<void> {
    return this.writer.flushOne(id);
  }

  /** Waits for every pending record write. */
  flush(): Promise<void> {
    return this.writer.flush();
  }

  newId(): string {
    let id = this.store.newId();
    while (this.tasks.has(id) || this.reservedIds.has(id)) id = this.store.newId();
    return id;
  }

  /** An id for a foreground command: its marker now, its task id if it is moved into a lane later. */
  reserveId(): string {
    const id = this.newId();
    this.reservedIds.add(id);
    return id;
  }

  releaseReservedId(id: string): void {
    this.reservedIds.delete(id);
  }

  /** Ids held by foreground commands now: 0 once none runs. */
  get reservedCount(): number {
    return this.reservedIds.size;
  }
}
