import type { LaneEvent } from "./lane-types.js";

/** Who listens to the runtime's events (UI, transcript, MCP); a broken listener never breaks the runtime. */
export class LaneEvents {
  private readonly listeners = new Set<(event: LaneEvent) => void>();

  subscribe(listener: (event: LaneEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
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
