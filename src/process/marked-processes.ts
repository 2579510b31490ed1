import { readdirSync, readFileSync } from "node:fs";

const MARKER = "LANES_TASK_ID=";

export interface MarkedProcess {
  pid: number;
  taskId: string;
}

/**
 * Live processes whose environment carries `LANES_TASK_ID=<one of ids>`: how processes that left their
 * process group (setsid, double fork) are still found. Linux only (/proc); elsewhere it finds nothing.
 * A process that replaced its environment (env -i, execve with a new one) cannot be found this way.
 */
export function findMarkedProcesses(ids: ReadonlySet<string>): MarkedProcess[] {
  if (ids.size === 0) return [];
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return [];
  }
  const found: MarkedProcess[] = [];
  for (const entry of entries) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    let environ: string;
    try {
      environ = readFileSync(`/proc/${pid}/environ`, "latin1");
    } catch {
      continue;
    }
    const start = environ.indexOf(MARKER);
    if (start === -1) continue;
    const end = environ.indexOf("\0", start);
    const taskId = environ.slice(start + MARKER.length, end === -1 ? undefined : end);
    if (ids.has(taskId)) found.push({ pid, taskId });
  }
  return found;
}

/** Ends escaped processes: TERM now, KILL after the grace period for any still alive. */
export function endMarkedProcesses(ids: ReadonlySet<string>, graceMs: number): number {
  const found = findMarkedProcesses(ids);
  for (const { pid } of found) sendSignal(pid, graceMs === 0 ? "SIGKILL" : "SIGTERM");
  if (found.length > 0 && graceMs > 0) {
    // Looked up again: a pid that exited during the grace period may belong to another process by now.
    setTimeout(() => {
      for (const { pid } of findMarkedProcesses(ids)) sendSignal(pid, "SIGKILL");
    }, graceMs).unref();
  }
  return found.length;
}

function sendSignal(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}
