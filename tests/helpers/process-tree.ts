import { closeSync, openSync, readdirSync, readSync } from "node:fs";

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

// One buffer for every /proc read: scans of a few hundred processes run often (polls, every CLI run's end).
let buffer = Buffer.allocUnsafe(64 * 1024);

/** The bytes of a /proc file (its size reads 0, so it is read to the end), or undefined once it is gone. */
function readBytes(file: string): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch {
    return undefined;
  }
  try {
    let length = 0;
    for (;;) {
      if (length === buffer.length) buffer = Buffer.concat([buffer, Buffer.allocUnsafe(buffer.length)]);
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) return buffer.subarray(0, length);
      length += read;
    }
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

function read(file: string): string | undefined {
  return readBytes(file)?.toString("latin1");
}

/** The value of `NAME` in /proc/PID/environ, found in its bytes: no string per variable for the others. */
function environValue(pid: number, prefix: Buffer): string | undefined {
  const environ = readBytes(`/proc/${pid}/environ`);
  if (environ === undefined) return undefined;
  for (let at = environ.indexOf(prefix); at !== -1; at = environ.indexOf(prefix, at + 1)) {
    if (at > 0 && environ[at - 1] !== 0) continue;
    const end = environ.indexOf(0, at);
    return environ.toString("latin1", at + prefix.length, end === -1 ? environ.length : end);
  }
  return undefined;
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
  const prefix = Buffer.from(`${name}=`, "latin1");
  const found: ProcessInfo[] = [];
  for (const pid of allPids()) {
    if (pid === process.pid || exclude.includes(pid)) continue;
    const entry = environValue(pid, prefix);
    if (entry === undefined || !matches(entry)) continue;
    const info = processInfo(pid);
    if (info) found.push(info);
  }
  return found;
}

/** True when the process was started with `NAME` in its environment (any value). */
export function hasEnv(pid: number, name: string): boolean {
  return environValue(pid, Buffer.from(`${name}=`, "latin1")) !== undefined;
}

/** Every live process below `pid` (children, their children...), by the parent links in /proc. */
export function descendants(pid: number): ProcessInfo[] {
  // Parent links from every stat first; the command lines only of the processes found below.
  const parentOf = new Map<number, number>();
  for (const each of allPids()) {
    const stat = read(`/proc/${each}/stat`);
    if (stat === undefined) continue;
    const [state, ppid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ", 2);
    if (state !== "Z" && state !== "X") parentOf.set(each, Number(ppid));
  }
  const below: ProcessInfo[] = [];
  let parents = new Set([pid]);
  while (parents.size > 0) {
    const children = [...parentOf].filter(([, ppid]) => parents.has(ppid)).map(([child]) => child);
    below.push(...children.map(processInfo).filter((info): info is ProcessInfo => info !== undefined));
    parents = new Set(children);
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

/**
 * Polls `count` every `stepMs` until `done` accepts it or `timeoutMs` passes; returns the last count. A
 * count that scans all of /proc costs 10-40 ms of CPU: a longer step keeps a poll from taking a core.
 */
export async function waitForCount(
  count: () => number,
  done: (value: number) => boolean,
  timeoutMs: number,
  stepMs = 50,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let value = count();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, stepMs));
    value = count();
  }
  return value;
}
