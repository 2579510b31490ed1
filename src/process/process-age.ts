import { readProcFile } from "./proc-file.js";
import { processPlace } from "./proc-stat.js";

/**
 * How long ago a process was born, in ms (to the 10 ms tick /proc gives: its start and the uptime are both
 * in USER_HZ, 100 on every Linux Node runs on); undefined when it is gone or /proc cannot tell.
 */
export function processAgeMs(pid: number): number | undefined {
  const place = processPlace(pid);
  const uptime = /^(\d+)\.(\d\d)/.exec(readProcFile("/proc/uptime"));
  if (place === undefined || uptime === null) return undefined;
  const nowTicks = Number(uptime[1]) * 100 + Number(uptime[2]);
  return (nowTicks - place.startTicks) * 10;
}
