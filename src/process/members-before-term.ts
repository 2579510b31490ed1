import { groupMemberPids } from "./group-members.js";
import { readProcFile } from "./proc-file.js";
import { processPlace } from "./proc-stat.js";

/** A member as it was just before its group's TERM: its start (clock ticks since boot) and its command line. */
export interface MemberBeforeTerm {
  startTicks: number;
  cmdline: string;
}

/**
 * The group's members just before its TERM, by pid. Every one of them gets that TERM: one later found still
 * running the same command line handled it (or ignores it) and must not get a second one mid-cleanup; one
 * that exec'd since may have lost it with its handler. A member whose command line cannot be read (another
 * user's under hidepid, a zombie) is left out.
 */
export type MembersBeforeTerm = ReadonlyMap<number, MemberBeforeTerm>;

export function membersBeforeTerm(pgid: number, freshSince: number): MembersBeforeTerm {
  const members = new Map<number, MemberBeforeTerm>();
  for (const pid of membersNow(pgid, freshSince)) {
    const place = processPlace(pid);
    const cmdline = readProcFile(`/proc/${pid}/cmdline`);
    if (place !== undefined && cmdline !== "") members.set(pid, { startTicks: place.startTicks, cmdline });
  }
  return members;
}

/**
 * The group's members as of now: a scan that may be a poll old, plus the leader, plus every descendant of
 * those still in the group (read now from /proc/PID/task/PID/children). A member born since the scan (a task's
 * shell started moments before the kill) is then seen too, also when the whole group is younger than the scan
 * (CI: the scan, from before the task started, had none of it, and its shell's cleanup got a second TERM).
 */
function membersNow(pgid: number, freshSince: number): Set<number> {
  const leader = processPlace(pgid)?.group === pgid ? [pgid] : [];
  const members = new Set([...groupMemberPids(pgid, freshSince), ...leader]);
  const queue = [...members];
  for (let pid = queue.pop(); pid !== undefined; pid = queue.pop()) {
    for (const word of readProcFile(`/proc/${pid}/task/${pid}/children`).split(" ")) {
      const child = Number(word);
      if (word === "" || members.has(child) || processPlace(child)?.group !== pgid) continue;
      members.add(child);
      queue.push(child);
    }
  }
  return members;
}
