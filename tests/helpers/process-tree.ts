import { readdirSync, readFileSync } from "node:fs";

/** One live process as /proc shows it. */
export interface ProcessInfo {
  pid: number;
  ppid: number;
  pgid: number;
  sid: number;
  /** Short name (`comm`), e.g. "sleep". */
  name: string;
  /** argv joined with spaces. */
  command: string;
}

function read(file: string): string | undefined {
  try {
    return readFileSync(file, "latin1");
  } catch {
    return undefined;
  }
}

/** Parses /proc/PID/stat; undefined for a process that is gone or a zombie (dead, waiting to be reaped). */
export function processInfo(pid: number): ProcessInfo | undefined {
  const stat = read(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  // comm may hold spaces and parentheses: the fields after it start after the last ")".
  const close = stat.lastIndexOf(")");
  const name = stat.slice(stat.indexOf("(") + 1, close);
  const [state, ppid, pgid, sid] = stat.slice(close + 2).split(" ");
  if (state === undefined || state === "Z" || state === "X") return undefined;
  const command = (read(`/proc/${pid}/cmdline`) ?? "").split("\0").join(" ").trim();
  return { pid, ppid: Number(ppid), pgid: Number(pgid), sid: Number(sid), name, command };
}

function allPids(): number[] {
  return readdirSync("/proc")
    .map(Number)
    .filter((pid) => Number.isInteger(pid) && pid > 0);
}

/**
 * Live processes whose environment holds `NAME=VALUE` (exactly, or VALUE accepted by the function). /proc/PID/environ is the environment the
 * process was exec'd with, so this finds children that left their group or session (setsid, double fork),
 * but not a process that replaced its environment (env -i).
 */
export function findByEnv(
  name: string,
  value: string | ((value: string) => boolean),
  exclude: number[] = [],
): ProcessInfo[] {
  const matches = typeof value === "string" ? (found: string) => found === value : value;
  const prefix = `${name}=`;
  const found: ProcessInfo[] = [];
  for (const pid of allPids()) {
    if (pid === process.pid || exclude.includes(pid)) continue;
    const environ = read(`/proc/${pid}/environ`);
    const entry = environ?.split("\0").find((item) => item.startsWith(prefix));
    if (entry === undefined || !matches(entry.slice(prefix.length))) continue;
    const info = processInfo(pid);
    if (info) found.push(info);
  }
  return found;
}

/** True when the process was started with `NAME` in its environment (any value). */
export function hasEnv(pid: number, name: string): boolean {
  return (read(`/proc/${pid}/environ`) ?? "").split("\0").some((item) => item.startsWith(`${name}=`));
}

/** Every live process below `pid` (children, their children...), by the parent links in /proc. */
export function descendants(pid: number): ProcessInfo[] {
  const all = allPids()
    .map(processInfo)
    .filter((info): info is ProcessInfo => info !== undefined);
  const below: ProcessInfo[] = [];
  let parents = new Set([pid]);
  while (parents.size > 0) {
    const children = all.filter((info) => parents.has(info.ppid));
    below.push(...children);
    parents = new Set(children.map((info) => info.pid));
  }
  return below;
}

/** SIGKILLs every process carrying `NAME=VALUE` (test cleanup, whatever happened). Returns how many. */
export function killByEnv(
  name: string,
  value: string | ((value: string) => boolean),
  exclude: number[] = [],
): number {
  const found = findByEnv(name, value, exclude);
  for (const { pid } of found) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
  return found.length;
}

/** "pid name command" lines, for a failure message that says what was left. */
export function describeProcesses(processes: ProcessInfo[]): string {
  return processes.map((p) => `${p.pid} (pgid ${p.pgid}, sid ${p.sid}) ${p.command || p.name}`).join("\n");
}

/** Polls `count` until `done` accepts it or `timeoutMs` passes; returns the last count. */
export async function waitForCount(
  count: () => number,
  done: (value: number) => boolean,
  timeoutMs: number,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let value = count();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    value = count();
  }
  return value;
}
