import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { removeDeadOwnerDirs } from "../process/dead-owner-dirs.js";
import {
  createExclusive,
  GUARD_NAME,
  guardGone,
  reap,
  readText,
  removeFile,
  rewriteOwn,
  TEMP_OWNER,
} from "./claim-files.js";
import { ownerAlive } from "./reconcile.js";

/** An unreadable slot file this old is debris, not a claim being written (an older lanes wrote in place). */
const UNREADABLE_STALE_MS = 5_000;

/** Who holds a slot: this lanes, another running one, or none (its lanes exited; the task still runs). */
export type SlotOwner = "self" | "alive" | "gone";

export interface SlotHolder {
  taskId: string;
  owner: SlotOwner;
}

/**
 * Lane slots shared by every lanes in one workspace (a REPL and `lanes mcp` in the same folder): slot N of a
 * lane is the file `.lanes/slots/<lane>.<N>`, created atomically and exclusively (claim-files.ts), naming the
 * lanes that holds it and for which task. A slot is held while its lanes runs, and after that while its task
 * does (persisted, or left by a crash: `taskRuns`, judged as reconcile judges a task whose owner is gone).
 * Then any lanes takes it back, and of several at once only one.
 */
export class SlotClaims {
  private made = false;
  /** The slot file each of this lanes' tasks holds, and its number. */
  private readonly held = new Map<string, { file: string; slot: number }>();
  /** The same files as a set: a claim skips them (no other process removes a live lanes' claim). */
  private readonly heldFiles = new Set<string>();
  /** Each lane's file-name key, hashed once. */
  private readonly keys = new Map<string, string>();

  constructor(
    private readonly dir: string,
    private readonly taskRuns: (taskId: string) => boolean,
    /** The pid written in this runtime's claims (LaneManagerOptions.ownerPid). */
    private readonly ownerPid: number,
  ) {}

  /** Takes a free slot below `limit` for the task; false when all are held. */
  claim(lane: string, taskId: string, limit: number): boolean {
    for (let slot = 0; slot < limit; slot++) if (this.take(lane, slot, taskId)) return true;
    return false;
  }

  /**
   * Counts an already-running task (adopted, moved from the foreground): the slot it held under a lanes that
   * is gone, else the first free one, past the limit if need be.
   */
  occupy(lane: string, taskId: string): void {
    for (let slot = 0; slot < 10_000; slot++) if (this.take(lane, slot, taskId)) return;
  }

  /** Gives back the task's slot, if it still holds it. */
  release(taskId: string): void {
    const file = this.held.get(taskId)?.file;
    this.held.delete(taskId);
    if (file === undefined) return;
    this.heldFiles.delete(file);
    const holder = parseHolder(readText(file));
    // Our own live claim: no other process removes it, so nothing can change it between read and unlink.
    if (holder?.task === taskId && holder.pid === this.ownerPid) removeFile(file);
  }

  /**
   * Passes the slot of an ended task of ours to the next task of ours, its file rewritten in place, where
   * giving it back and claiming it again delete one file and create another. False (nothing changed) when
   * `from` holds no slot below `limit` (an occupied one past it is given back, not passed on).
   */
  handOver(from: string, to: string, limit: number): boolean {
    const claim = this.held.get(from);
    if (claim === undefined || claim.slot >= limit) return false;
    const { file } = claim;
    const holder = parseHolder(readText(file));
    if (holder?.task !== from || holder.pid !== this.ownerPid) return false;
    try {
      rewriteOwn(file, this.claimText(to));
    } catch {
      // The file cannot be written (gone, full disk): the caller gives the slot back and claims as usual.
      return false;
    }
    this.held.delete(from);
    this.held.set(to, claim);
    return true;
  }

  /** What holds the lane's first `limit` slots (those a queued task waits for). */
  holders(lane: string, limit: number): SlotHolder[] {
    const found: SlotHolder[] = [];
    for (let slot = 0; slot < limit; slot++) {
      const holder = parseHolder(readText(this.file(lane, slot)));
      if (!holder) continue;
      if (holder.pid === this.ownerPid) found.push({ taskId: holder.task, owner: "self" });
      else if (ownerAlive(holder.pid)) found.push({ taskId: holder.task, owner: "alive" });
      else if (this.taskRuns(holder.task)) found.push({ taskId: holder.task, owner: "gone" });
    }
    return found;
  }

  private take(lane: string, slot: number, taskId: string): boolean {
    try {
      return this.tryTake(lane, slot, taskId);
    } catch {
      // The folder cannot be written (full disk, not ours): no slot, as for one that is held.
      return false;
    }
  }

  private tryTake(lane: string, slot: number, taskId: string): boolean {
    const file = this.file(lane, slot);
    // Held by one of our tasks: taken, as trying it would find (a file write and link per slot otherwise).
    if (this.heldFiles.has(file)) return false;
    const mine = this.claimText(taskId);
    this.ensureDir();
    for (let attempt = 0; attempt < 2; attempt++) {
      if (createExclusive(file, mine)) {
        this.held.set(taskId, { file, slot });
        this.heldFiles.add(file);
        return true;
      }
      const stale = readText(file);
      // Gone between the two steps: free again, so try once more.
      if (stale !== undefined && !(this.dead(file, stale, taskId) && reap(file, stale))) return false;
    }
    return false;
  }

  /** Whether a slot file no longer holds its slot: its lanes is gone and so is its task (unless it is ours). */
  private dead(file: string, text: string, taskId: string): boolean {
    const holder = parseHolder(text);
    if (!holder) return ageMs(file) > UNREADABLE_STALE_MS;
    if (holder.pid === this.ownerPid || ownerAlive(holder.pid)) return false;
    // The task this lanes now watches (adopted): its old slot passes to it rather than a second one.
    return holder.task === taskId || !this.taskRuns(holder.task);
  }

  private claimText(taskId: string): string {
    // The nonce makes every claim's text unique, so a dead claim's text never comes back (claim-files.ts).
    return JSON.stringify({ pid: this.ownerPid, task: taskId, nonce: randomBytes(6).toString("hex") });
  }

  private file(lane: string, slot: number): string {
    // Lane names come from the model: hashed, so none can name a path.
    let key = this.keys.get(lane);
    if (key === undefined)
      this.keys.set(lane, (key = createHash("sha256").update(lane).digest("hex").slice(0, 16)));
    return join(this.dir, `${key}.${slot}`);
  }

  /** Made on first use; then what crashed lanes left mid-step goes: temp files, guards of dead reapers. */
  private ensureDir(): void {
    if (this.made) return;
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    this.made = true;
    removeDeadOwnerDirs(this.dir, TEMP_OWNER);
    for (const name of readdirSync(this.dir)) {
      if (!GUARD_NAME.test(name)) continue;
      const guard = join(this.dir, name);
      const text = readText(guard);
      if (text !== undefined && guardGone(text)) reap(guard, text);
    }
  }
}

interface Holder {
  pid: number;
  task: string;
}

function parseHolder(text: string | undefined): Holder | undefined {
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text) as Partial<Holder>;
    return typeof value.pid === "number" && typeof value.task === "string"
      ? { pid: value.pid, task: value.task }
      : undefined;
  } catch {
    return undefined;
  }
}

function ageMs(file: string): number {
  try {
    return Date.now() - statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}
