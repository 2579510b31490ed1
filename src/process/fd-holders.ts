import { readdirSync, readlinkSync } from "node:fs";
import { parentOf } from "./proc-stat.js";

/**
 * The topmost process that holds one of `paths` open (a descriptor of its own, not a mapping), or undefined
 * when none does. A scan of every process's descriptors: only for the rare case of a fork server that died
 * between a fork and its reply, where the task's leader is known by the files it was given, not by its pid.
 */
export function topmostHolder(paths: readonly string[]): number | undefined {
  const wanted = new Set(paths.filter((path) => path !== ""));
  const holders = new Set<number>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${name}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (wanted.has(readlinkSync(`/proc/${name}/fd/${fd}`))) {
          holders.add(Number(name));
          break;
        }
      } catch {
        // Closed meanwhile.
      }
    }
  }
  return [...holders].find((pid) => !holders.has(parentOf(pid) ?? -1));
}
