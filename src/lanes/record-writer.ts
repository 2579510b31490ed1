import type { TaskRecord } from "./task-record.js";
import type { TaskStore } from "./task-store.js";

/**
 * Persists records without blocking the runtime. Writes for one task are chained so an older state never
 * lands after a newer one; a failed write is reported once on stderr rather than thrown into a timer.
 */
export class RecordWriter {
  private readonly writes = new Map<string, Promise<void>>();
  private reported = false;

  constructor(private readonly store: TaskStore) {}

  write(record: TaskRecord): void {
    const snapshot = { ...record };
    const previous = this.writes.get(record.id) ?? Promise.resolve();
    const next = previous
      .then(() => this.store.save(snapshot))
      .catch((error: unknown) => {
        if (this.reported) return;
        this.reported = true;
        process.stderr.write(
          `lanes: could not write task record ${record.id}: ${(error as Error).message}\n`,
        );
      });
    this.writes.set(record.id, next);
  }

  /** Resolves once every write queued so far has landed. */
  async flush(): Promise<void> {
    await Promise.all(this.writes.values());
  }
}
