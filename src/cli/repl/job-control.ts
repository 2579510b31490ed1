import { readdirSync, readFileSync } from "node:fs";

/** pid's parent, process group and session, from /proc; undefined when it cannot be read. */
function statOf(pid: number | string): { ppid: number; pgrp: number; session: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    // The command name may hold spaces and parentheses: the fields start after the last ")".
    const [, ppid, pgrp, session] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { ppid: Number(ppid), pgrp: Number(pgrp), session: Number(session) };
  } catch {
    return undefined;
  }
}

/**
 * Whether stopping lanes (Ctrl+Z) hands the terminal to a shell that can `fg` it again: our process group
 * is not orphaned, i.e. some member's parent is in another group of the same session (a job-control
 * shell). Started by `exec`, from a script or straight in a tmux pane, nobody could resume it, and Linux
 * drops the stop anyway, which would leave the REPL suspended for good. Without /proc: assume a shell.
 */
export function jobControlAvailable(): boolean {
  const self = statOf("self");
  if (self === undefined) return true;
  let pids: string[];
  try {
    pids = readdirSync("/proc").filter((name) => /^\d+$/.test(name));
  } catch {
    return true;
  }
  for (const pid of pids) {
    const member = statOf(pid);
    if (member?.pgrp !== self.pgrp) continue;
    const parent = statOf(member.ppid);
    if (parent && parent.session === self.session && parent.pgrp !== self.pgrp) return true;
  }
  return false;
}
