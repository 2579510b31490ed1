import type { TaskRecord } from "./task-record.js";
import type { TaskStore } from "./task-store.js";

interface Slot {
  /** The write on disk now (temp file + rename). */
  inFlight: Promise<void>;
  /** The newest state asked for meanwhile; replaces any older one still waiting. */
  next: TaskRecord | undefined;
}

/**
 * Persists records without blocking the runtime. One write per task at a time; states asked for while it
 * runs collapse into the newest (a fast task's "running", "ended" and "notified" become two writes, not
 * three), so an older state never lands after a newer one. A failed write is reported once on stderr.
 */
export class RecordWriter {
  private readonly slots = new Map<string, Slot>();
  private reported = false;

  constructor(private readonly store: TaskStore) {}

  write(record: TaskRecord): void {
    const snapshot = { ...record };
    const slot = this.slots.get(record.id);
    if (slot) slot.next = snapshot;
    else this.start(snapshot);
  }

  /**
   * Writes the record now, synchronously (write-ahead: on disk before the step it announces). Throws when it
   * cannot be written. A write still in flight for the task is followed by this state again, so it stays last.
   */
  writeNow(record: TaskRecord): void {
    const snapshot = { ...record };
    this.store.saveSync(snapshot);
    const slot = this.slots.get(record.id);
    if (slot) slot.next = snapshot;
  }

  /** Resolves once every state asked for so far is on disk. */
  async flush(): Promise<void> {
    while (this.slots.size > 0) await Promise.all([...this.slots.values()].map((slot) => slot.inFlight));
  }

  /** Resolves once this task's newest state asked for so far is on disk (not waiting for other tasks). */
  async flushOne(id: string): Promise<void> {
    for (let slot = this.slots.get(id); slot; slot = this.slots.get(id)) await slot.inFlight;
  }

  private start(snapshot: TaskRecord): void {
    const slot: Slot = { inFlight: Promise.resolve(), next: undefined };
    slot.inFlight = this.store
      .save(snapshot)
      .catch((error: unknown) => this.report(snapshot.id, error))
      .finally(() => {
        this.slots.delete(snapshot.id);
        if (slot.next) this.start(slot.next);
      });
    this.slots.set(snapshot.id, slot);
  }

  private report(id: string, error: unknown): void {
    if (this.reported) return;
    this.reported = true;
    process.stderr.write(`lanes: could not write task record ${id}: ${(error as Error).message}\n`);
  }
}
