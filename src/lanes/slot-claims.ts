import { createHash, randomBytes } from "node:crypto";
import { linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ownerAlive } from "./reconcile.js";

/**
 * Lane slots shared by every lanes in one workspace (a REPL and `lanes mcp` in the same folder): slot N of a
 * lane is the file `.lanes/slots/<lane>.<N>`, created exclusively (O_EXCL) and naming the lanes that holds it
 * and for which task. A slot whose holder is dead is taken back. Creating the file is the atomic step, so two
 * processes never both hold slot N.
 */
export class SlotClaims {
  private made = false;
  /** The slot file each of this lanes' tasks holds. */
  private readonly held = new Map<string, string>();

  constructor(private readonly dir: string) {}

  /** Takes a free slot below `limit` for the task; false when all are held by live lanes. */
  claim(lane: string, taskId: string, limit: number): boolean {
    for (let slot = 0; slot < limit; slot++) if (this.take(lane, slot, taskId)) return true;
    return false;
  }

  /** Counts an already-running task (adopted, moved from the foreground): the first free slot, past the limit if need be. */
  occupy(lane: string, taskId: string): void {
    for (let slot = 0; slot < 10_000; slot++) if (this.take(lane, slot, taskId)) return;
  }

  /** Gives back the task's slot, if it still holds it (a dead-looking claim may have been taken back). */
  release(taskId: string): void {
    const file = this.held.get(taskId);
    this.held.delete(taskId);
    if (file === undefined) return;
    const holder = holderOf(file);
    if (holder?.task === taskId && holder.pid === process.pid) removeFile(file);
  }

  private take(lane: string, slot: number, taskId: string): boolean {
    const file = this.file(lane, slot);
    const mine = JSON.stringify({ pid: process.pid, task: taskId });
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        this.ensureDir();
        writeFileSync(file, mine, { flag: "wx", mode: 0o600 });
        this.held.set(taskId, file);
        return true;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") return false;
      }
      if (!this.reclaim(file)) return false;
    }
    return false;
  }

  /** Removes a slot file whose holder is dead; true when it is gone and may be taken. */
  private reclaim(file: string): boolean {
    let stale: string;
    try {
      stale = readFileSync(file, "utf8");
    } catch {
      return true;
    }
    const holder = parseHolder(stale);
    if (holder && (holder.pid === process.pid || ownerAlive(holder.pid))) return false;
    // Moved aside first, so of two lanes reclaiming at once only one removes it, and a claim made in
    // between (not the stale one we read) is put back rather than deleted.
    const aside = `${file}.${randomBytes(4).toString("hex")}.stale`;
    try {
      renameSync(file, aside);
    } catch {
      return true;
    }
    if (readText(aside) !== stale) {
      try {
        linkSync(aside, file);
      } catch {
        // Someone claimed it meanwhile: that claim stands.
      }
      removeFile(aside);
      return false;
    }
    removeFile(aside);
    return true;
  }

  private file(lane: string, slot: number): string {
    // Lane names come from the model: hashed, so none can name a path.
    const key = createHash("sha256").update(lane).digest("hex").slice(0, 16);
    return join(this.dir, `${key}.${slot}`);
  }

  private ensureDir(): void {
    if (this.made) return;
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    this.made = true;
  }
}

interface Holder {
  pid: number;
  task: string;
}

function parseHolder(text: string): Holder | undefined {
  try {
    const value = JSON.parse(text) as Partial<Holder>;
    return typeof value.pid === "number" && typeof value.task === "string"
      ? { pid: value.pid, task: value.task }
      : undefined;
  } catch {
    return undefined;
  }
}

function holderOf(file: string): Holder | undefined {
  const text = readText(file);
  return text === undefined ? undefined : parseHolder(text);
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

function removeFile(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // Already gone.
  }
}
