import { readdirSync, readFileSync } from "node:fs";

/** The whole machine's CPU over an interval, in ms, from /proc/stat and the kernel's worker threads. */
export interface SystemCpu {
  userMs: number;
  systemMs: number;
  softirqMs: number;
  idleMs: number;
  /** kworker and rcu threads: kernel work done for no task (namespace teardown, deferred frees). */
  kernelThreadsMs: number;
}

const TICK_MS = 10; // USER_HZ is 100 on Linux

interface Snapshot {
  stat: number[];
  threads: Map<number, number>;
}

function cpuLine(): number[] {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
  return line.trim().split(/\s+/).slice(1).map(Number);
}

/** utime + stime of every kworker / rcu thread, by pid. */
function kernelThreads(): Map<number, number> {
  const ticks = new Map<number, number>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      if (!/^(kworker|rcu)/.test(comm)) continue;
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks.set(Number(name), Number(fields[11]) + Number(fields[12]));
    } catch {
      // gone meanwhile
    }
  }
  return ticks;
}

export function systemSnapshot(): Snapshot {
  return { stat: cpuLine(), threads: kernelThreads() };
}

/** What the machine spent since `before` (threads that ended meanwhile are missed). */
export function systemCpuSince(before: Snapshot): SystemCpu {
  const now = systemSnapshot();
  const delta = (i: number) => ((now.stat[i] ?? 0) - (before.stat[i] ?? 0)) * TICK_MS;
  let threads = 0;
  for (const [pid, ticks] of now.threads) threads += ticks - (before.threads.get(pid) ?? 0);
  // /proc/stat: user nice system idle iowait irq softirq steal
  return {
    userMs: delta(0) + delta(1),
    systemMs: delta(2),
    softirqMs: delta(5) + delta(6),
    idleMs: delta(3) + delta(4),
    kernelThreadsMs: threads * TICK_MS,
  };
}
