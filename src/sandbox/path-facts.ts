import { realpathSync, statSync } from "node:fs";

/** What bubblewrap's arguments need to know of a path: its real path (undefined: missing), and if a folder. */
export interface PathFacts {
  real(path: string): string | undefined;
  isDir(path: string): boolean;
}

function real(path: string): string | undefined {
  try {
    // Most of the hidden paths do not exist: a stat that returns undefined is cheaper than a thrown ENOENT.
    return statSync(path, { throwIfNoEntry: false }) ? realpathSync(path) : undefined;
  } catch {
    return undefined;
  }
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Both facts from one stat (the burst's paths are asked both, one after the other). */
function factsOf(path: string): { real: string | undefined; dir: boolean } {
  let dir = false;
  try {
    const stat = statSync(path, { throwIfNoEntry: false });
    dir = stat?.isDirectory() ?? false;
    return { real: stat ? realpathSync(path) : undefined, dir };
  } catch {
    return { real: undefined, dir };
  }
}

/** Asked of the filesystem each time. */
export const livePathFacts: PathFacts = { real, isDir };

/**
 * Facts of existing paths remembered for `ttlMs` (the writable roots and lanes' folder: the same for every
 * start of a burst); a missing path is asked again each time, so lanes' folder is bound read-only as soon as
 * it exists. A root that vanished meanwhile fails bwrap's start, never opens a hole.
 */
export class RecentPathFacts implements PathFacts {
  private readonly known = new Map<string, { at: number; real: string | undefined; dir: boolean }>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  real(path: string): string | undefined {
    return this.facts(path).real;
  }

  isDir(path: string): boolean {
    return this.facts(path).dir;
  }

  private facts(path: string): { real: string | undefined; dir: boolean } {
    const at = this.now();
    const known = this.known.get(path);
    if (known !== undefined && at - known.at < this.ttlMs) return known;
    const found = { at, ...factsOf(path) };
    if (found.real !== undefined) this.known.set(path, found);
    else this.known.delete(path);
    return found;
  }
}
