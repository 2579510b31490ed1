import { randomBytes } from "node:crypto";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { TaskRecordSchema, type TaskRecord } from "./task-record.js";

/** A record file that could not be read back; it is moved aside rather than crashing lanes. */
export interface CorruptRecord {
  file: string;
  movedTo: string;
  error: string;
}

/**
 * Persists task records as `<workspace>/.lanes/tasks/<id>.json`. Every write is a temp file plus rename,
 * so a crash leaves either the old record or the new one, never half of one.
 */
export class TaskStore {
  readonly dir: string;

  private made = false;

  /**
   * `create: false` opens a workspace only to read it: nothing is created, no mode is changed.
   * `"on-first-task"`: the folders are made when the first task is recorded (`ensure`), not before.
   */
  constructor(
    readonly lanesDir: string,
    private readonly access: { create: boolean | "on-first-task" } = { create: true },
  ) {
    this.dir = join(lanesDir, "tasks");
    if (access.create === true) this.ensure();
  }

  /** Makes `.lanes/tasks/` (once) unless the store is read-only: before a task's first file is written. */
  ensure(): void {
    if (this.made || this.access.create === false) return;
    ensureLanesDir(this.lanesDir);
    privateDir(this.dir);
    this.made = true;
  }

  newId(): string {
    return randomBytes(4).toString("hex");
  }

  /** Every file of a task: `kill` is the user's kill request (`lanes tasks kill`), written before the signal. */
  paths(id: string): { record: string; log: string; exit: string; kill: string } {
    const base = join(this.dir, id);
    return { record: `${base}.json`, log: `${base}.log`, exit: `${base}.exit`, kill: `${base}.kill` };
  }

  async save(record: TaskRecord): Promise<void> {
    this.ensure();
    const target = this.paths(record.id).record;
    const temp = `${target}.${process.pid}.${randomBytes(3).toString("hex")}.tmp`;
    await writeFile(temp, JSON.stringify(record, null, 2), { mode: 0o600 });
    await rename(temp, target);
  }

  /** Synchronous variant for exit paths, where the event loop may not run again. */
  saveSync(record: TaskRecord): void {
    this.ensure();
    const target = this.paths(record.id).record;
    const temp = `${target}.${process.pid}.${randomBytes(3).toString("hex")}.tmp`;
    writeFileSync(temp, JSON.stringify(record, null, 2), { mode: 0o600 });
    renameSync(temp, target);
  }

  /**
   * Reads every record; unreadable ones are moved to `<id>.json.corrupt` and reported (a read-only store
   * only reports them). A workspace without a tasks folder has no records.
   */
  loadAll(): { records: TaskRecord[]; corrupt: CorruptRecord[] } {
    const records: TaskRecord[] = [];
    const corrupt: CorruptRecord[] = [];
    for (const name of this.names()) {
      if (!name.endsWith(".json")) continue;
      const file = join(this.dir, name);
      // Read again before calling it unreadable: a record replaced (renamed over) in between reads whole.
      const first = this.load(file);
      const record = "error" in first ? this.load(file) : first;
      if (!("error" in record)) {
        records.push(record);
        continue;
      }
      const movedTo = this.access.create ? `${file}.corrupt` : file;
      if (this.access.create) renameSync(file, movedTo);
      corrupt.push({ file, movedTo, error: record.error });
    }
    return { records, corrupt };
  }

  /**
   * Clears what a lanes killed mid-write left: a whole temp file whose record never reached its name is put
   * in place (the only trace of that task); every other temp file of a process that is gone is removed.
   */
  settleTemps(alive: (pid: number) => boolean): void {
    if (this.access.create === false) return;
    const left = new Map<string, string[]>();
    for (const name of this.names()) {
      const match = /^(.+\.json)\.(\d+)\.[0-9a-f]+\.tmp$/.exec(name);
      if (!match?.[1] || alive(Number(match[2]))) continue;
      left.set(match[1], [...(left.get(match[1]) ?? []), name]);
    }
    for (const [target, temps] of left) {
      const file = join(this.dir, target);
      const whole = existsSync(file)
        ? undefined
        : temps.find((name) => !("error" in this.load(join(this.dir, name))));
      for (const name of temps) {
        if (name === whole) renameSync(join(this.dir, name), file);
        else rmSync(join(this.dir, name), { force: true });
      }
    }
  }

  /** One record by id, or undefined when it does not exist or cannot be read. */
  find(id: string): TaskRecord | undefined {
    // Ids come from the command line: only a plain name, never a path out of the tasks folder.
    if (!/^[\w-]+$/.test(id)) return undefined;
    const record = this.load(this.paths(id).record);
    return "error" in record ? undefined : record;
  }

  private load(file: string): TaskRecord | { error: string } {
    try {
      return TaskRecordSchema.parse(JSON.parse(readFileSync(file, "utf8")));
    } catch (error) {
      return { error: (error as Error).message.split("\n")[0] ?? "unreadable" };
    }
  }

  private names(): string[] {
    try {
      return readdirSync(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT" && !this.made) return [];
      throw error;
    }
  }
}

/** `.lanes/` is private to its owner and never shows up in the user's `git status`. */
export function ensureLanesDir(lanesDir: string): void {
  privateDir(lanesDir);
  const ignore = join(lanesDir, ".gitignore");
  try {
    writeFileSync(ignore, "*\n", { flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
}

/**
 * Creates `dir` owner-only, and makes it so if it already existed: a `.lanes/` made by hand for config.json
 * (0755), or a `tasks/` copied from elsewhere, would otherwise stay open to every user of the machine.
 */
function privateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    chmodSync(dir, 0o700);
  } catch {
    // Not ours to change (another owner): keep going with what is there, as before.
  }
}
