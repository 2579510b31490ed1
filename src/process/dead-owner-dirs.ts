import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { processAlive } from "./process-alive.js";

/**
 * Removes the folders (or files) in `parent` whose name carries the pid of a process that is gone (captured
 * by `owner`'s first group): what a SIGKILLed or crashed owner could not clean up itself.
 */
export function removeDeadOwnerDirs(parent: string, owner: RegExp): void {
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return; // No such folder: nothing was left.
  }
  for (const name of names) {
    const pid = owner.exec(name)?.[1];
    if (pid === undefined || Number(pid) === process.pid || processAlive(Number(pid))) continue;
    try {
      rmSync(join(parent, name), { recursive: true, force: true });
    } catch {
      // Another user's (a shared /tmp), or going already: not ours to clean, and never worth failing for.
    }
  }
}
