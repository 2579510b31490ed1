import { rmdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { mountedElsewhere } from "./mounted-elsewhere.js";
import { removeDeepestFirst, userRegistries, type MadeEntry, type MountRegistry } from "./mount-registry.js";

export interface LeftoverSweep {
  /** Mount points removed (empty files and folders lanes made, unchanged since). */
  removed: number;
  /** Still mounted in some sandbox (a task still running there, or its holder not gone yet): listed again. */
  mounted: number;
}

export interface LeftoverSweepOptions {
  /**
   * How long to look again (every 100 ms) while a mount point under `waitFor` (a workspace whose task was just
   * killed) is still mounted: that task's sandbox ends a moment after its processes.
   */
  waitMs?: number;
  waitFor?: string | undefined;
  root?: string;
  uid?: number;
  /** At most this many registries a time. */
  limit?: number;
}

const LOOK_AGAIN_MS = 100;

/**
 * Removes the mount points that lanes processes which have exited left behind, in every workspace of this
 * user where no lanes runs now: the empty `.vscode/`, `.env`, `.mcp.json`... that a detached or persisted task
 * kept while it ran. A live lanes sweeps its own workspaces; without this, a workspace whose last lanes
 * exited while such a task ran kept them until the next session there ended. The same rules as a session's
 * sweep: nothing still mounted in any sandbox is removed (that would detach the task's read-only mount),
 * nothing a user has changed or filled, and removal happens under the workspace's removal lock, asking again
 * there whether a lanes has come. What is still mounted at the end is listed again (under this process, which
 * exits soon: the next sweep takes it), so it is never forgotten.
 */
export async function sweepDeadLeftovers(options: LeftoverSweepOptions = {}): Promise<LeftoverSweep> {
  const { root = tmpdir(), uid = process.getuid?.() ?? 0, limit = 50, waitMs = 0, waitFor } = options;
  const waited = (entry: MadeEntry): boolean => waitFor !== undefined && entry.path.startsWith(`${waitFor}/`);
  const result: LeftoverSweep = { removed: 0, mounted: 0 };
  const taken: { registry: MountRegistry; entries: MadeEntry[] }[] = [];
  for (const registry of userRegistries(root, uid)) {
    if (taken.length >= limit) break;
    if (registry.othersAlive()) continue;
    const entries = registry.takeLeftovers();
    if (entries.length > 0) taken.push({ registry, entries });
  }
  // Nothing any exited lanes left: no /proc scan (every `lanes tasks` listing comes here).
  if (taken.length === 0) return result;
  const deadline = Date.now() + waitMs;
  for (;;) {
    const mounted = mountedElsewhere();
    for (const pending of taken) {
      const free = pending.entries.filter((entry) => !mounted.has(entry.path));
      const removed = free.length === 0 ? undefined : removeUnderLock(pending.registry, free);
      if (removed === undefined) continue;
      result.removed += removed;
      pending.entries = pending.entries.filter((entry) => mounted.has(entry.path));
    }
    if (!taken.some(({ entries }) => entries.some(waited)) || Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, LOOK_AGAIN_MS));
  }
  for (const { registry, entries } of taken) {
    result.mounted += entries.length;
    if (entries.length > 0) {
      registry.register();
      registry.rewrite(entries);
    } else {
      // The last list gone: the registry's folder too (it stays while anything is in it).
      try {
        rmdirSync(registry.dir);
      } catch {
        // Not empty (a lanes registered meanwhile), or gone.
      }
    }
  }
  return result;
}

/** Removes `entries` holding the removal lock: how many it removed; undefined if a lanes came meanwhile. */
function removeUnderLock(registry: MountRegistry, entries: MadeEntry[]): number | undefined {
  return registry.removing(() => (registry.othersAlive() ? undefined : removeDeepestFirst(entries)));
}
