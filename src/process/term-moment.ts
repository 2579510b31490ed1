import { readProcFile } from "./proc-file.js";
import { uptimeTicks } from "./proc-stat.js";

/**
 * The instant just before a group's TERM, in the terms /proc gives a process's birth: clock ticks since boot
 * (USER_HZ, 100 on every Linux Node runs on, so /proc/uptime's hundredths) and the last pid handed out in
 * this pid namespace (undefined where ns_last_pid cannot be read).
 */
export interface TermMoment {
  ticks: number;
  lastPid: number | undefined;
}

/** Read the instant before the TERM is sent: a process born after it never got that TERM. */
export function termMoment(): TermMoment {
  // Without /proc nothing is compared: everything counts as born before.
  const ticks = uptimeTicks() ?? Number.POSITIVE_INFINITY;
  const lastPid = Number.parseInt(readProcFile("/proc/sys/kernel/ns_last_pid"), 10);
  return { ticks, lastPid: Number.isNaN(lastPid) ? undefined : lastPid };
}

/**
 * Whether a process that started at `startTicks` was born after `moment`. Both clocks are boot time cut down
 * to the tick, so a start in the moment's own tick is told by its pid: handed out after the moment, it is
 * after (a pid wrap within those 10 ms is not guarded). Without ns_last_pid that whole tick counts as after:
 * a TERM trap's cleanup, forked within 10 ms of the TERM, is never taken for a process that lost it.
 */
export function bornAfter(moment: TermMoment, pid: number, startTicks: number): boolean {
  if (startTicks !== moment.ticks) return startTicks > moment.ticks;
  return moment.lastPid === undefined || pid > moment.lastPid;
}
