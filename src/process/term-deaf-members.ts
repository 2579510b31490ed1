import { readFileSync } from "node:fs";
import { groupMemberPids } from "./group-members.js";

const TERM_BIT = 1n << 14n;
// Pending (thread or process), blocked, ignored or caught: any of these means a TERM sent now changes nothing.
const HELD_FIELDS = ["SigPnd", "ShdPnd", "SigBlk", "SigIgn", "SigCgt"];

/** Whether TERM is at its default action for this process (a TERM it got would have ended it). */
function termUnheld(pid: number): boolean {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, "latin1");
  } catch {
    return false;
  }
  for (const field of HELD_FIELDS) {
    const mask = new RegExp(`^${field}:\\s*([0-9a-f]+)`, "m").exec(status)?.[1];
    if (mask === undefined || (BigInt(`0x${mask}`) & TERM_BIT) !== 0n) return false;
  }
  return true;
}

/**
 * TERMs each member of the group that is alive after the group's TERM although TERM would end it: one that
 * never got it (a shell's child that took it in its trap between fork and exec, then exec'd). A member that
 * catches, ignores, blocks or holds TERM is left alone, so a graceful shutdown never sees a second one.
 * `freshSince`: a /proc scan from then on may be shared. Returns how many were signalled.
 */
export function termDeafMembers(pgid: number, freshSince: number): number {
  let signalled = 0;
  for (const pid of groupMemberPids(pgid, freshSince)) {
    if (!termUnheld(pid)) continue;
    try {
      process.kill(pid, "SIGTERM");
      signalled++;
    } catch {
      // Gone meanwhile.
    }
  }
  return signalled;
}
