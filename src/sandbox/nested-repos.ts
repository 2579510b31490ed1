import { readdirSync, type Dirent } from "node:fs";
import { join } from "node:path";

// Folders no repository of the user's lives in, and where a walk would spend its budget.
const SKIP = new Set([".git", ".lanes", "node_modules", ".venv", "venv", "__pycache__", ".cache", ".npm"]);
const MAX_DEPTH = 4;
const MAX_FOLDERS = 2_000;
const TTL_MS = 2_000;

function entries(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}

/**
 * Checkouts below `root` that have a `.git` of their own (a cloned dependency, a vendored repository), found
 * breadth-first a few levels deep and within a folder budget: their hooks and config run on the user's next
 * `git` there as surely as the workspace's own.
 */
export function nestedCheckouts(root: string): string[] {
  const found: string[] = [];
  let level = [root];
  let visited = 0;
  for (let depth = 0; depth < MAX_DEPTH && level.length > 0; depth++) {
    const next: string[] = [];
    for (const dir of level) {
      for (const entry of entries(dir)) {
        if (entry.name === ".git" && dir !== root) found.push(dir);
        if (!entry.isDirectory() || SKIP.has(entry.name) || ++visited > MAX_FOLDERS) continue;
        next.push(join(dir, entry.name));
      }
      if (visited > MAX_FOLDERS) return found;
    }
    level = next;
  }
  return found;
}

/** nestedCheckouts, walked at most once per TTL_MS: it runs before every sandboxed command. */
export class NestedCheckouts {
  private cached: { root: string; at: number; found: string[] } | undefined;

  constructor(private readonly now: () => number = Date.now) {}

  of(root: string): string[] {
    const at = this.now();
    if (this.cached?.root === root && at - this.cached.at < TTL_MS) return this.cached.found;
    this.cached = { root, at, found: nestedCheckouts(root) };
    return this.cached.found;
  }
}
