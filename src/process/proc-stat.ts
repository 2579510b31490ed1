import { readFileSync } from "node:fs";
import { readProcFile } from "./proc-file.js";

/** The fields of /proc/PID/stat after the command name (state first), or undefined once it is gone. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

/** Whether `pid` still runs: a zombie awaiting its reaper has ended. */
export function runningNotZombie(pid: number): boolean {
  const state = statFields(pid)?.[0];
  return state !== undefined && state !== "Z" && state !== "X";
}

/** The parent pid of `pid`, or undefined once it is gone. */
export function parentOf(pid: number): number | undefined {
  const parent = statFields(pid)?.[1];
  return parent === undefined ? undefined : Number(parent);
}

/** Where a process stands: its parent, its process group, and its start in clock ticks since boot. */
export interface ProcessPlace {
  parent: number;
  group: number;
  startTicks: number;
}

/** `pid`'s place from /proc/PID/stat (fields 4, 5 and 22), or undefined once it is gone. */
export function processPlace(pid: number): ProcessPlace | undefined {
  const fields = statFields(pid);
  if (fields === undefined) return undefined;
  return { parent: Number(fields[1]), group: Number(fields[2]), startTicks: Number(fields[19]) };
}

/** Clock ticks since boot now (USER_HZ, 100 on every Linux Node runs on: /proc/uptime's hundredths). */
export function uptimeTicks(): number | undefined {
  const uptime = /^(\d+)\.(\d\d)/.exec(readProcFile("/proc/uptime"));
  return uptime ? Number(uptime[1]) * 100 + Number(uptime[2]) : undefined;
}

/**
 * How long ago a running process was born, in ms (to the 10 ms tick /proc gives); undefined once it is gone or
 * a zombie (an end awaiting its reaper), or without /proc.
 */
export function runningProcessAgeMs(pid: number): number | undefined {
  const fields = statFields(pid);
  const now = uptimeTicks();
  if (fields === undefined || now === undefined || fields[0] === "Z" || fields[0] === "X") return undefined;
  return (now - Number(fields[19])) * 10;
}
