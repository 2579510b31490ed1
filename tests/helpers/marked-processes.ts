import { readdirSync, readFileSync } from "node:fs";

export interface MarkedProcess {
  pid: number;
  /** The whole environment the process was started with. */
  env: Map<string, string>;
}

function environOf(pid: number): Map<string, string> | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    if (state === "Z" || state === "X") return undefined;
    const env = new Map<string, string>();
    for (const item of readFileSync(`/proc/${pid}/environ`, "latin1").split("\0")) {
      const at = item.indexOf("=");
      if (at > 0) env.set(item.slice(0, at), item.slice(at + 1));
    }
    return env;
  } catch {
    return undefined; // Gone between the listing and the read.
  }
}

/**
 * Live processes (zombies excluded) whose environment has `name` set to a value `accept` takes: counted
 * straight from /proc, independently of lanes' own finder, so a test can count what lanes left behind.
 */
export function liveProcessesWithEnv(name: string, accept: (value: string) => boolean): MarkedProcess[] {
  const found: MarkedProcess[] = [];
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    const env = environOf(pid);
    const value = env?.get(name);
    if (env && value !== undefined && accept(value)) found.push({ pid, env });
  }
  return found;
}
