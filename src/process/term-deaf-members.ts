import { readFileSync } from "node:fs";
import { groupMemberPids, groupOf } from "./group-members.js";

const TERM_BIT = 1n << 14n;
// Pending (thread or process), blocked, ignored or caught: any of these means a TERM sent now changes nothing.
const HELD_FIELDS = ["SigPnd", "ShdPnd", "SigBlk", "SigIgn", "SigCgt"];

function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, "latin1");
  } catch {
    return "";
  }
}

/** Whether any of these /proc status masks has TERM set (undefined mask: unknown, counted as set). */
function termIn(status: string, fields: readonly string[]): boolean {
  return fields.some((field) => {
    const mask = new RegExp(`^${field}:\\s*([0-9a-f]+)`, "m").exec(status)?.[1];
    return mask === undefined || (BigInt(`0x${mask}`) & TERM_BIT) !== 0n;
  });
}

/** Whether TERM is at its default action in this /proc status (a TERM it got would have ended it). */
function termUnheld(status: string): boolean {
  return !termIn(status, HELD_FIELDS);
}

/**
 * Members that will take the group's TERM themselves (caught, blocked or pending), by pid, with their command
 * line: taken before the TERM. One still running that program later with TERM at its default has handled it
 * and reset its handler (a trap's cleanup before it re-raises), and must not get a second TERM mid-cleanup;
 * one that exec'd since lost the TERM with its handler. Members of another user read as absent.
 */
export type TermTakers = ReadonlyMap<number, string>;

export function termTakers(pgid: number, freshSince: number): TermTakers {
  const takers = new Map<number, string>();
  for (const pid of membersNow(pgid, freshSince)) {
    if (!termIn(readOrEmpty(`/proc/${pid}/status`), ["SigCgt", "SigBlk", "SigPnd", "ShdPnd"])) continue;
    const cmdline = readOrEmpty(`/proc/${pid}/cmdline`);
    if (cmdline !== "") takers.set(pid, cmdline);
  }
  return takers;
}

/**
 * The group's members as of now: a scan that may be a poll old, plus every descendant of those still in the
 * group (read now from /proc/PID/task/PID/children). A member born since the scan (a task's shell started
 * moments before the kill) is then seen too, with its handler as it is at the TERM.
 */
function membersNow(pgid: number, freshSince: number): Set<number> {
  const members = new Set(groupMemberPids(pgid, freshSince));
  const queue = [...members];
  for (let pid = queue.pop(); pid !== undefined; pid = queue.pop()) {
    for (const word of readOrEmpty(`/proc/${pid}/task/${pid}/children`).split(" ")) {
      const child = Number(word);
      if (word === "" || members.has(child) || groupOf(child) !== pgid) continue;
      members.add(child);
      queue.push(child);
    }
  }
  return members;
}

/** A pid namespace's init (a sandbox's bwrap): the kernel drops a TERM from outside that it has no handler for. */
function namespaceInit(status: string): boolean {
  const ids = /^NSpid:\s*(.+)$/m.exec(status)?.[1]?.trim().split(/\s+/) ?? [];
  return ids.length > 1 && ids.at(-1) === "1";
}

/**
 * TERMs each member of the group that is alive after the group's TERM although TERM would end it: one that
 * never got it (a shell's child that took it in its trap between fork and exec, then exec'd). A member that
 * catches, ignores, blocks or holds TERM is left alone, and so is one of `takers` still running the same
 * program (it handled the TERM and reset its handler), so a graceful shutdown never sees a second one. A
 * sandbox's init, which a TERM cannot reach, is KILLed only once nothing runs inside it.
 * `freshSince`: a /proc scan from then on may be shared. Returns how many were signalled.
 */
export function termDeafMembers(pgid: number, freshSince: number, takers: TermTakers = new Map()): number {
  let signalled = 0;
  for (const pid of groupMemberPids(pgid, freshSince)) {
    const status = readOrEmpty(`/proc/${pid}/status`);
    if (!termUnheld(status)) continue;
    const took = takers.get(pid);
    if (took !== undefined && took === readOrEmpty(`/proc/${pid}/cmdline`)) continue;
    // An init with nothing left inside (its bwrap parent took the TERM mid-setup) would wait out the grace.
    const childless = () => readOrEmpty(`/proc/${pid}/task/${pid}/children`).trim() === "";
    const signal = !namespaceInit(status) ? "SIGTERM" : childless() ? "SIGKILL" : undefined;
    if (signal === undefined) continue;
    try {
      process.kill(pid, signal);
      signalled++;
    } catch {
      // Gone meanwhile.
    }
  }
  return signalled;
}
