import { readdirSync, readFileSync } from "node:fs";

let cache: { at: number; live: Map<number, number[]> } | undefined;
let scans = 0;

/** How many /proc scans this process has made so far (the bench and tests count them per burst of ends). */
export function groupScans(): number {
  return scans;
}

/** Non-zombie members per process group, from /proc/<pid>/stat; undefined without /proc. */
function scanGroups(freshSince: number): Map<number, number[]> | undefined {
  if (cache && cache.at >= freshSince) return cache.live;
  const now = Date.now();
  scans++;
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return undefined;
  }
  const live = new Map<number, number[]>();
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
    const members = live.get(pgrp);
    if (members) members.push(Number(entry));
    else live.set(pgrp, [Number(entry)]);
  }
  cache = { at: now, live };
  return live;
}

/**
 * Whether a group has a member that still runs. A zombie (exited, waiting for a slow init to reap it, as
 * in containers) counts as gone, so a kill does not wait out its whole grace period for the dead.
 * Without /proc, undefined: the caller falls back to "the group exists". A scan taken at or after
 * `freshSince` may be reused, so many concurrent kills polling at once share one scan; it must be no older
 * than the caller's own last signal, or a scan from before could call a live group gone.
 */
export function groupHasLiveMember(pgid: number, freshSince = Date.now()): boolean | undefined {
  return scanGroups(freshSince)?.has(pgid);
}

/** The non-zombie members of a group, from a scan taken at or after `freshSince` (shared as above). */
export function groupMemberPids(pgid: number, freshSince = Date.now()): number[] {
  return scanGroups(freshSince)?.get(pgid) ?? [];
}

/** The process group of a live pid, from /proc/<pid>/stat; undefined when it cannot be read (gone, no /proc). */
export function groupOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
  } catch {
    return undefined;
  }
}
