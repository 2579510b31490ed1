import { readFileSync, unlinkSync, writeFileSync } from "node:fs";
import type { FileChange } from "./file-edits.js";

interface JournalEntry {
  path: string;
  realPath: string;
  /** Content before the set's first edit of the file; null: the set created it. */
  before: Buffer | null;
  /** Content after the set's last edit: what must still be there for /undo to restore `before`. */
  after: Buffer;
}

/** What `/undo` did: the files restored, or the files changed since (then nothing was touched). */
export type UndoOutcome =
  | { kind: "nothing" }
  | { kind: "restored"; files: { path: string; removed: boolean }[] }
  | { kind: "changed-since"; files: string[] };

/** Edit sets kept for /undo; older ones are dropped (their content is still in memory until then). */
const MAX_SETS = 20;

/**
 * This session's file edits, grouped in sets (one per model run: a message and the turn it starts), each
 * with every changed file's content from before the set, so `/undo` can put the last set back.
 */
export class EditJournal {
  private readonly sets: Map<string, JournalEntry>[] = [];
  private current: Map<string, JournalEntry> | undefined;

  /** The next edits form a new set. */
  beginSet(): void {
    this.current = undefined;
  }

  record(change: FileChange): void {
    if (this.current === undefined) {
      this.current = new Map();
      this.sets.push(this.current);
      if (this.sets.length > MAX_SETS) this.sets.shift();
    }
    const earlier = this.current.get(change.realPath);
    this.current.set(change.realPath, {
      path: change.path,
      realPath: change.realPath,
      before: earlier === undefined ? change.before : earlier.before,
      after: change.after,
    });
  }

  /** Files of the last set, for a question or a listing. */
  lastSet(): string[] {
    return [...(this.sets.at(-1)?.values() ?? [])].map((entry) => entry.path);
  }

  /** Restores the last set, all or nothing: a file changed since (by anyone) refuses the whole undo. */
  undoLast(): UndoOutcome {
    const set = this.sets.at(-1);
    if (set === undefined) return { kind: "nothing" };
    const entries = [...set.values()];
    const changed = entries.filter((entry) => !sameContent(entry.realPath, entry.after));
    if (changed.length > 0) return { kind: "changed-since", files: changed.map((entry) => entry.path) };
    for (const entry of entries) {
      if (entry.before === null) unlinkSync(entry.realPath);
      else writeFileSync(entry.realPath, entry.before);
    }
    this.sets.pop();
    if (this.current === set) this.current = undefined;
    return {
      kind: "restored",
      files: entries.map((entry) => ({ path: entry.path, removed: entry.before === null })),
    };
  }
}

function sameContent(file: string, expected: Buffer): boolean {
  try {
    return readFileSync(file).equals(expected);
  } catch {
    return false;
  }
}
