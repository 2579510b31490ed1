import { readFileSync } from "node:fs";

/** The main thread's time on a CPU and waiting in the run queue for one, in ms. */
export interface ThreadTime {
  cpuMs: number;
  runQueueWaitMs: number;
}

/** From Linux schedstat; undefined where there is none. Tells a busy event loop from a starved one. */
export function mainThreadTime(): ThreadTime | undefined {
  try {
    const [cpu, wait] = readFileSync(`/proc/self/task/${process.pid}/schedstat`, "utf8").split(" ");
    return { cpuMs: Number(cpu) / 1e6, runQueueWaitMs: Number(wait) / 1e6 };
  } catch {
    return undefined;
  }
}

export function timeSince(start: ThreadTime | undefined): ThreadTime | null {
  const end = mainThreadTime();
  if (!start || !end) return null;
  return {
    cpuMs: Math.round(end.cpuMs - start.cpuMs),
    runQueueWaitMs: Math.round(end.runQueueWaitMs - start.runQueueWaitMs),
  };
}

/** CPU ms of this process's waited-for children and their descendants (Linux /proc; USER_HZ is 100). */
export function childrenCpuMs(): number | undefined {
  try {
    const stat = readFileSync("/proc/self/stat", "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // After "pid (comm) ": state is field 3, so cutime (16) and cstime (17) sit at indexes 13 and 14.
    return (Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return undefined;
  }
}
