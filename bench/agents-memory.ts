import { readFileSync } from "node:fs";

/** Resident memory of one process from /proc/PID/status, in MB: total, anonymous (heap) and file-backed. */
export interface Rss {
  rssMb: number;
  anonMb: number;
  fileMb: number;
}

/** undefined when the process is gone. */
export function readRss(pid: number): Rss | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, "utf8");
  } catch {
    return undefined;
  }
  const kb = (key: string): number =>
    Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
  const mb = (value: number): number => Math.round((value / 1024) * 10) / 10;
  return { rssMb: mb(kb("VmRSS")), anonMb: mb(kb("RssAnon")), fileMb: mb(kb("RssFile") + kb("RssShmem")) };
}

function isAgentWorker(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").includes("agent-worker");
  } catch {
    return false;
  }
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").split(" ").filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** The `lanes agent-worker` process under a task's leader (the exit-file wrapper shell), if it runs. */
export function findAgentWorker(leader: number): number | undefined {
  const queue = [leader];
  for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
    if (isAgentWorker(pid)) return pid;
    queue.push(...childrenOf(pid));
  }
  return undefined;
}

/** Keeps the highest reading per key. */
export class PeakRss {
  readonly peaks = new Map<string, Rss>();

  add(key: string, rss: Rss | undefined): void {
    if (!rss) return;
    const seen = this.peaks.get(key);
    if (!seen || rss.rssMb > seen.rssMb) this.peaks.set(key, rss);
  }
}
