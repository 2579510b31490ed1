import type { GroupProcess } from "../process/group-process.js";
import { spawnedTask } from "./spawned-task.js";

/** Blocking `bash` commands in flight, by marker id: lanes ends them too when it ends first. */
export class ForegroundHolds {
  private readonly held = new Map<string, GroupProcess>();

  /** Registers a foreground command while it runs; returns the function that forgets it. */
  hold(id: string, child: GroupProcess): () => void {
    this.held.set(id, child);
    return () => this.held.delete(id);
  }

  /** Ends every held command (TERM, KILL after the grace period); returns their marker ids. */
  async terminateAll(): Promise<string[]> {
    const held = [...this.held.entries()];
    await Promise.all(held.map(([, child]) => child.terminate("shutdown")));
    return held.map(([id]) => id);
  }

  /** At process exit: KILL every held command's group at once; returns their marker ids. */
  killAllNow(): string[] {
    for (const child of this.held.values()) spawnedTask(child).killNow();
    return [...this.held.keys()];
  }
}
