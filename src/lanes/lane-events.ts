import type { LaneEvent } from "./lane-types.js";
import type { TaskRecord } from "./task-record.js";

/** Who listens to the runtime's events (UI, transcript, MCP); a broken listener never breaks the runtime. */
export class LaneEvents {
  private readonly listeners = new Set<(event: LaneEvent) => void>();

  subscribe(listener: (event: LaneEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private readonly recordedListeners = new Set<(record: TaskRecord) => void>();

  /** Told once a new task's record is on disk, before it starts: the session writes its own line then. */
  onRecorded(listener: (record: TaskRecord) => void): () => void {
    this.recordedListeners.add(listener);
    return () => this.recordedListeners.delete(listener);
  }

  recorded(record: TaskRecord): void {
    for (const listener of this.recordedListeners) listener({ ...record });
  }

  emit(event: LaneEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A broken listener must never break the runtime.
      }
    }
  }
}
