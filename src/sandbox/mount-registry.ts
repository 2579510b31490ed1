import { createHash } from "node:crypto";
import {
  appendFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { waitUntilSync } from "../async/blocking-wait.js";
import { processAlive } from "../process/process-alive.js";

/** A removal lock with no pid written this long after it was made was left by a lanes that died making it. */
const STALE_LOCK_MS = 2000;

/** A mount point lanes made: removed later only while it is still this very entry. */
export interface MadeEntry {
  path: string;
  dev: number;
  ino: number;
}

/**
 * Which lanes processes make mount points in one workspace: `<tmp>/lanes-mounts-<uid>-<hash of the
 * workspace>/<pid>.made` (outside the workspace: `lanes sandbox` leaves nothing there), one JSON line per
 * mount point the process made. Another lanes' command may be starting on a mount point this one made (a
 * `lanes run` queued behind another's task starts as that one ends), so none is removed while another live
 * lanes uses the workspace; the last one to sweep also removes what exited (or killed) ones left.
 *
 * A sweep removes while holding `removing/` (a folder made atomically, its owner's pid inside), and asks
 * whether others are alive only once it holds it; a lanes registers before it waits for that folder to go and
 * only then looks at its paths. Whichever comes second sees the other: no lanes starts a command on a mount
 * point that a sweep which missed its registration is about to remove.
 */
export class MountRegistry {
  private registered = false;

  constructor(
    readonly dir: string,
    private readonly pid: number = process.pid,
  ) {}

  private get file(): string {
    return join(this.dir, `${this.pid}.made`);
  }

  private get lock(): string {
    return join(this.dir, "removing");
  }

  /** The registry of a workspace (its real path). */
  static forWorkspace(workspace: string): MountRegistry {
    const key = createHash("sha256").update(workspace).digest("hex").slice(0, 16);
    return new MountRegistry(join(tmpdir(), `${registryPrefix(process.getuid?.() ?? 0)}${key}`));
  }

  /** Says this lanes uses the workspace's mount points (before it makes or reuses any). */
  register(): void {
    if (this.registered) return;
    // Best effort, as every write here: without the registry a sweep is only less careful, never wrong.
    quietly(() => {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      appendFileSync(this.file, "");
    });
    this.registered = true;
  }

  recordMade(entry: MadeEntry): void {
    this.register();
    quietly(() => appendFileSync(this.file, `${JSON.stringify(entry)}\n`));
  }

  /** Rewrites this lanes' list to what it still has (the file would otherwise grow with every make). */
  rewrite(entries: readonly MadeEntry[]): void {
    if (!this.registered) return;
    quietly(() => writeFileSync(this.file, entries.map((entry) => `${JSON.stringify(entry)}\n`).join("")));
  }

  /** This lanes no longer has mount points here (the folder goes with the last one). */
  unregister(): void {
    if (!this.registered) return;
    quietly(() => rmSync(this.file, { force: true }));
    quietly(() => rmdirSync(this.dir));
    this.registered = false;
  }

  /** Whether any live lanes uses this workspace's mount points, this one included. */
  anyAlive(): boolean {
    return this.othersAlive() || existsSync(this.file);
  }

  /** Whether the registry's folder changed (a list made or removed) in the last `ms`. */
  changedWithin(ms: number): boolean {
    const changed = lstatSync(this.dir, { throwIfNoEntry: false })?.mtimeMs;
    return changed !== undefined && Date.now() - changed < ms;
  }

  /** Every mount point listed here, by any lanes, live or not. */
  entries(): MadeEntry[] {
    return [...this.others().map(({ file }) => file), this.file].flatMap(readEntries);
  }

  /** Removes the registry, lists and folder (the caller holds the removal lock and found it orphaned). */
  removeAll(): void {
    quietly(() => rmSync(this.dir, { recursive: true, force: true }));
  }

  /** Whether another live lanes (its pid alive) uses this workspace's mount points. */
  othersAlive(): boolean {
    return this.others().some(({ pid }) => processAlive(pid));
  }

  /**
   * Runs `remove` while holding the workspace's removal lock, and returns what it returned; undefined (not
   * run) while another lanes holds it. Without a registry folder (not makeable) it runs unguarded: the
   * registry is advice, as everywhere here.
   */
  removing<T>(remove: () => T): T | undefined {
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      if (this.heldByOther()) return undefined;
      mkdirSync(this.lock);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") return undefined;
      return remove();
    }
    try {
      quietly(() => writeFileSync(join(this.lock, "pid"), String(this.pid)));
      return remove();
    } finally {
      this.unlock();
    }
  }

  /** Gives the lock back: its pid file, then the folder (two calls; a recursive rmSync walks it with several). */
  private unlock(): void {
    try {
      rmSync(join(this.lock, "pid"), { force: true });
      rmdirSync(this.lock);
    } catch {
      // Something else in it, or gone: the thorough way.
      quietly(() => rmSync(this.lock, { recursive: true, force: true }));
    }
  }

  /**
   * Waits (at most `timeoutMs`, blocking) while another lanes removes mount points here: a path seen now could
   * be gone a moment later. Call after register(). Whether it is free now.
   */
  waitWhileRemoving(timeoutMs = 2000): boolean {
    return waitUntilSync(() => !this.heldByOther(), timeoutMs);
  }

  /** Whether a live other lanes holds the removal lock; a dead one's lock is taken away. */
  private heldByOther(): boolean {
    const made = lstatSync(this.lock, { throwIfNoEntry: false })?.mtimeMs;
    if (made === undefined) return false;
    let pid: number;
    try {
      pid = Number(readFileSync(join(this.lock, "pid"), "utf8"));
    } catch {
      // Made a moment ago, its pid not written yet; one left this way for long is a crash's.
      if (Date.now() - made < STALE_LOCK_MS) return true;
      pid = 0;
    }
    if (pid === this.pid) return false;
    if (Number.isInteger(pid) && pid > 0 && processAlive(pid)) return true;
    quietly(() => rmSync(this.lock, { recursive: true, force: true }));
    return false;
  }

  /** What lanes processes that are gone made, and forgets them (the caller removes what is unchanged). */
  takeLeftovers(): MadeEntry[] {
    const entries: MadeEntry[] = [];
    for (const { pid, file } of this.others()) {
      if (processAlive(pid)) continue;
      entries.push(...readEntries(file));
      quietly(() => rmSync(file, { force: true }));
    }
    return entries;
  }

  private others(): { pid: number; file: string }[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return [];
    }
    return names.flatMap((name) => {
      const pid = Number(/^(\d+)\.made$/.exec(name)?.[1]);
      return Number.isInteger(pid) && pid > 0 && pid !== this.pid
        ? [{ pid, file: join(this.dir, name) }]
        : [];
    });
  }
}

/** How the registries of one user's workspaces are named in the temp folder, up to the workspace's hash. */
export function registryPrefix(uid: number): string {
  return `lanes-mounts-${uid}-`;
}

/** Every registry of `uid`'s workspaces in `root` (the temp folder); none when it cannot be read. */
export function userRegistries(root: string, uid: number): MountRegistry[] {
  try {
    return readdirSync(root)
      .filter((name) => name.startsWith(registryPrefix(uid)))
      .map((name) => new MountRegistry(join(root, name)));
  } catch {
    return [];
  }
}

/**
 * Removes mount points lanes made that are unchanged (removeIfUnchanged), deepest first: a folder lanes made on
 * the way is empty only once what it made inside is gone. How many it removed.
 */
export function removeDeepestFirst(entries: readonly MadeEntry[]): number {
  const deepestFirst = [...entries].sort((a, b) => b.path.length - a.path.length);
  return deepestFirst.filter((entry) => removeIfUnchanged(entry.path, entry)).length;
}

function readEntries(file: string): MadeEntry[] {
  try {
    return readFileSync(file, "utf8")
      .split("\n")
      .flatMap((line) => {
        try {
          const entry = JSON.parse(line) as Partial<MadeEntry>;
          const ok =
            typeof entry.path === "string" && typeof entry.dev === "number" && typeof entry.ino === "number";
          return ok ? [entry as MadeEntry] : [];
        } catch {
          return [];
        }
      });
  } catch {
    return [];
  }
}

function quietly(write: () => void): void {
  try {
    write();
  } catch {
    // The registry is advice for the sweep: a folder removed under it (a test's workspace) changes nothing.
  }
}

/** Removes a mount point lanes made, unless the user has since put something in it or replaced it; whether it did. */
export function removeIfUnchanged(path: string, made: Pick<MadeEntry, "dev" | "ino">): boolean {
  try {
    const stat = lstatSync(path);
    if (stat.dev !== made.dev || stat.ino !== made.ino) return false;
    if (stat.isDirectory()) {
      if (readdirSync(path).length > 0) return false;
      rmdirSync(path);
      return true;
    }
    if (!stat.isFile() || stat.size !== 0) return false;
    unlinkSync(path);
    return true;
  } catch {
    // Gone already, or busy: nothing of the user's is touched either way.
    return false;
  }
}
