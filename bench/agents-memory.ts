import { readFileSync } from "node:fs";

/**
 * Resident memory of one process in MB: total, anonymous (heap), file-backed (mostly node's own binary,
 * shared by every node process), and private (what this process alone holds: its cost per extra agent).
 */
export interface Rss {
  rssMb: number;
  anonMb: number;
  fileMb: number;
  privateMb: number;
  /** CPU time it has used so far (user + system, 10 ms ticks). */
  cpuMs: number;
}

const mb = (kb: number): number => Math.round((kb / 1024) * 10) / 10;
const field = (text: string, key: string): number =>
  Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? Number.NaN);

/** From /proc/PID/status and smaps_rollup; undefined when the process is gone. */
export function readRss(pid: number): Rss | undefined {
  let status: string;
  let rollup: string;
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    status = readFileSync(`/proc/${pid}/status`, "utf8");
    rollup = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
  } catch {
    return undefined;
  }
  return {
    rssMb: mb(field(status, "VmRSS")),
    anonMb: mb(field(status, "RssAnon")),
    fileMb: mb(field(status, "RssFile") + field(status, "RssShmem")),
    privateMb: mb(field(rollup, "Private_Clean") + field(rollup, "Private_Dirty")),
    cpuMs: cpuTicks(stat) * 10,
  };
}

/** utime + stime from /proc/PID/stat (fields 14 and 15; comm may hold spaces, so count after its ")"). */
function cpuTicks(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]);
}

/**
 * CPU time (user + system) of a process and everything under it: its live descendants' own and the children
 * each has reaped (cutime + cstime), so the helpers a worker starts (perl, unshare, bwrap) count too.
 */
export function treeCpuMs(pid: number): number | undefined {
  let total = 0;
  const queue = [pid];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    try {
      const fields = readFileSync(`/proc/${next}/stat`, "utf8");
      const after = fields.slice(fields.lastIndexOf(")") + 2).split(" ");
      total += [11, 12, 13, 14].reduce((sum, i) => sum + Number(after[i]), 0) * 10;
    } catch {
      if (next === pid) return undefined;
    }
    queue.push(...childrenOf(next));
  }
  return total;
}

function isAgentWorker(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").includes("agent-worker");
  } catch {
    return false;
  }
}

/**
 * Proportional set size in MB (smaps_rollup): each page divided by the processes sharing it, so the PSS of
 * all processes sums to the memory they take together; undefined when the process is gone.
 */
export function readPss(pid: number): number | undefined {
  try {
    return mb(field(readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"), "Pss"));
  } catch {
    return undefined;
  }
}

/** MemAvailable of /proc/meminfo in MB: what the kernel says could still be given to programs. */
export function memAvailableMb(): number {
  return mb(field(readFileSync("/proc/meminfo", "utf8"), "MemAvailable"));
}

/** A process and everything under it (the worker's sandbox, its network proxy, its tasks). */
export function processTree(pid: number): number[] {
  const tree: number[] = [];
  const queue = [pid];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    tree.push(next);
    queue.push(...childrenOf(next));
  }
  return tree;
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

/** Keeps the highest RSS reading per key, with the most CPU time seen. */
export class PeakRss {
  readonly peaks = new Map<string, Rss>();

  add(key: string, rss: Rss | undefined): void {
    if (!rss) return;
    const seen = this.peaks.get(key);
    const peak = !seen || rss.rssMb > seen.rssMb ? rss : seen;
    this.peaks.set(key, { ...peak, cpuMs: Math.max(rss.cpuMs, seen?.cpuMs ?? 0) });
  }
}

/** A process's resident MB by what is mapped: node's code and read-only data, libraries, malloc, the rest. */
export interface Mappings {
  nodeCodeMb: number;
  nodeDataMb: number;
  librariesMb: number;
  mallocHeapMb: number;
  /** Anonymous memory other than malloc's main heap: V8's heap and code, thread stacks and malloc arenas. */
  otherAnonMb: number;
}

/** From /proc/PID/smaps; undefined when the process is gone. */
export function readMappings(pid: number): Mappings | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/smaps`, "utf8");
  } catch {
    return undefined;
  }
  const kb = { nodeCodeMb: 0, nodeDataMb: 0, librariesMb: 0, mallocHeapMb: 0, otherAnonMb: 0 };
  let into: keyof Mappings = "otherAnonMb";
  for (const line of text.split("\n")) {
    const head = /^[0-9a-f]+-[0-9a-f]+ (\S+) \S+ \S+ \d+\s*(.*)$/.exec(line);
    if (head) {
      const [, perms, path = ""] = head;
      if (path.endsWith("/node")) into = perms?.includes("x") ? "nodeCodeMb" : "nodeDataMb";
      else if (path === "[heap]") into = "mallocHeapMb";
      else into = path.startsWith("/") ? "librariesMb" : "otherAnonMb";
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) kb[into] += Number(rss[1]);
  }
  const entries = Object.entries(kb).map(([key, value]) => [key, mb(value)]);
  return Object.fromEntries(entries) as unknown as Mappings;
}
