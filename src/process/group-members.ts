import { readdirSync, readFileSync } from "node:fs";

/** How long one /proc scan answers for every caller: many concurrent kills share a single scan. */
const SCAN_TTL_MS = 20;

let cache: { at: number; live: Map<number, number> } | undefined;

/** Non-zombie process counts per process group, from /proc/<pid>/stat; undefined without /proc. */
function scanGroups(now: number): Map<number, number> | undefined {
  if (cache && now - cache.at < SCAN_TTL_MS) return cache.live;
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return undefined;
  }
  const live = new Map<number, number>();
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "latin1");
    } catch {
      continue;
    }
    // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so split after the last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (fields[0] === "Z" || fields[0] === "X") continue;
    const pgrp = Number(fields[2]);
    live.set(pgrp, (live.get(pgrp) ?? 0) + 1);
  }
  cache = { at: now, live };
  return live;
}

/**
 * Whether a group has a member that still runs. A zombie (exited, waiting for a slow init to reap it, as
 * in containers) counts as gone, so a kill does not wait out its whole grace period for the dead.
 * Without /proc, undefined: the caller falls back to "the group exists".
 */
export function groupHasLiveMember(pgid: number): boolean | undefined {
  return scanGroups(Date.now())?.has(pgid);
}
