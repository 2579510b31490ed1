/**
 * The ■ lines of tasks that end while wait_background runs, held until its reply: that reply says those ends
 * (with their output), so a task it names is not also shown by a ■ line. The others are shown after it.
 */
export class HeldEndLines {
  private held: Array<{ id: string; line: string }> = [];

  hold(id: string, line: string): void {
    this.held.push({ id, line });
  }

  /** The held lines to show now, without those of the tasks in `told` (the ids the reply gave results of). */
  release(told: ReadonlySet<string> = new Set()): string[] {
    const lines = this.held.filter(({ id }) => !told.has(id)).map(({ line }) => line);
    this.held = [];
    return lines;
  }
}

/** The ids a wait_background reply gave the end of (its details' `ended`), from a tool-result's details. */
export function endedIds(details: unknown): Set<string> {
  const ended = (details as { ended?: unknown } | undefined)?.ended;
  if (!Array.isArray(ended)) return new Set();
  return new Set(
    ended.map((record) => (record as { id?: unknown }).id).filter((id) => typeof id === "string"),
  );
}
