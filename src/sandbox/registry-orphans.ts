import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname } from "node:path";
import { userRegistries } from "./mount-registry.js";

/** A registry changed this recently is left alone: a lanes may be between making its folder and its list. */
const FRESH_MS = 10_000;

/**
 * Removes the mount registries of workspaces that are gone: every lanes that used one has exited (killed, or
 * a test's in-process sandbox never closed) and no folder that held its mount points exists any more (the
 * workspace was deleted), so nothing is left for a next lanes there to remove. A registry whose workspace
 * still exists stays: the next lanes in that workspace removes what it lists. Run once per process, at a
 * session's end, looking again under the registry's removal lock (a lanes that registered meanwhile is seen;
 * one registering in the very moment of the removal is at worst unlisted, and the registry is advice).
 * At most `limit` a time (about 0.8 ms each here): a temp folder that gathered a thousand (a test suite's
 * killed runs) is emptied over the next sessions instead of holding one exit for a second. Returns how many
 * it removed.
 */
export function sweepOrphanRegistries(
  root: string = tmpdir(),
  uid: number = process.getuid?.() ?? 0,
  limit = 50,
): number {
  let removed = 0;
  for (const registry of userRegistries(root, uid)) {
    if (removed >= limit) break;
    // Touched a moment ago: a lanes may be registering there right now (the folder made, its list not yet).
    if (registry.changedWithin(FRESH_MS)) continue;
    const orphaned = (): boolean =>
      !registry.anyAlive() && registry.entries().every((entry) => !existsSync(dirname(entry.path)));
    if (!orphaned()) continue;
    const gone = registry.removing(() => {
      if (!orphaned()) return false;
      registry.removeAll();
      return true;
    });
    if (gone === true) removed++;
  }
  return removed;
}
