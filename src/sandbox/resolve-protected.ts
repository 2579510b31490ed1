import { lstatSync, realpathSync, type Stats } from "node:fs";
import { join, relative } from "node:path";
import type { ProtectedPath } from "./protected-paths.js";

const inside = (path: string, root: string): boolean => path === root || path.startsWith(`${root}/`);

/** lstat, each existing path once per prepare(): forty protected paths share a few folders (`.git`). */
export type Lstat = (path: string) => Stats | undefined;

export function lstatOnce(): Lstat {
  const seen = new Map<string, Stats>();
  return (path) => {
    const known = seen.get(path);
    if (known !== undefined) return known;
    // A missing path is asked again: prepare() may make it meanwhile.
    const stat = lstatSync(path, { throwIfNoEntry: false });
    if (stat !== undefined) seen.set(path, stat);
    return stat;
  };
}

function entryType(path: string, lstat: Lstat): "file" | "dir" | "link" | undefined {
  try {
    const stat = lstat(path);
    if (stat === undefined) return undefined;
    return stat.isSymbolicLink() ? "link" : stat.isDirectory() ? "dir" : "file";
  } catch {
    return undefined;
  }
}

export interface Resolved {
  /** The writable root that holds it: its registry says which lanes use the mount points there. */
  root: string;
  at: string;
  exists: boolean;
  /** Existing folders on the way, then (for a missing path) the ones to make before the mount point. */
  pins: string[];
  make: string[];
}

/**
 * Where a protected path is mounted: the path itself, existing or to be made as a mount point (with any
 * missing folders on the way made plainly, so `~/.npm/_npx` holds no more than `_npx` when `~/.npm` is
 * missing). Undefined when nothing can be written there anyway: a file on the way, or a symlink out of
 * every writable root.
 */
export function resolveProtected(
  target: ProtectedPath,
  writable: readonly string[],
  lstat: Lstat,
): Resolved | undefined {
  const root = writable.filter((r) => inside(target.path, r)).sort((a, b) => b.length - a.length)[0];
  if (root === undefined) return undefined;
  const parts = relative(root, target.path).split("/");
  const pins: string[] = [];
  let current = root;
  for (const [index, part] of parts.entries()) {
    const last = index === parts.length - 1;
    let next = join(current, part);
    let type = entryType(next, lstat);
    if (type === undefined) {
      const make = parts.slice(index, -1).map((_, i) => join(current, ...parts.slice(index, index + i + 1)));
      return { root, at: join(current, ...parts.slice(index)), exists: false, pins, make };
    }
    if (type === "link") {
      // A symlinked path is protected where it points (when that is writable at all).
      try {
        next = realpathSync(next);
      } catch {
        return undefined;
      }
      if (!writable.some((r) => inside(next, r))) return undefined;
      type = entryType(next, lstat);
    }
    if (last) return { root, at: next, exists: true, pins, make: [] };
    if (type !== "dir") return undefined;
    pins.push(next);
    current = next;
  }
  return undefined;
}
