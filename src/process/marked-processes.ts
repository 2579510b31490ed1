import { readdirSync, readFileSync } from "node:fs";
import { groupOf } from "./group-members.js";
import { scanInWorker, workerStarted } from "./marker-scan-worker.js";

/** The environment variable every process of a task (or foreground command) inherits: its id. */
export const TASK_MARKER = "LANES_TASK_ID";
const PREFIX = `${TASK_MARKER}=`;

/** The task id in a `/proc/<pid>/environ` text (NUL-separated), if it carries one. */
export function markerIn(environ: string): string | undefined {
  // A search, not a split: a sweep reads the environment of every process on the machine.
  let at = 0;
  if (!environ.startsWith(PREFIX)) {
    const found = environ.indexOf(`\0${PREFIX}`);
    if (found === -1) return undefined;
    at = found + 1;
  }
  const end = environ.indexOf("\0", at);
  return environ.slice(at + PREFIX.length, end === -1 ? undefined : end);
}

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
  markerScans++;
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
    const taskId = markerIn(environ);
    if (taskId !== undefined && ids.has(taskId)) found.push({ pid, taskId });
  }
  return found;
}

/**
 * The same search without blocking the event loop: a scan reads the environment of every process on the
 * machine (tens of ms under load), which, done synchronously after every burst of task ends, was the
 * longest stall of lanes' loop while 20 tasks flooded output. A worker thread does it (fs/promises, tried
 * first, cost the loop more CPU than the synchronous scan); if the worker cannot answer, it is done here.
 * Resolves after the current call stack either way, as callers expect of a promise.
 */
export async function findMarkedProcessesAsync(ids: ReadonlySet<string>): Promise<MarkedProcess[]> {
  if (ids.size === 0) return [];
  // Starting the worker costs about 100 ms of CPU, more than a lone scan (a few ms): a short `lanes run`
  // must not pay it. So the first scan after a quiet spell runs here, and scans in quick succession (a
  // burst of task ends, each batch swept 200 ms apart) go to the worker, which then stays for the session.
  const now = Date.now();
  const burst = now - lastScanAt < BURST_MS;
  lastScanAt = now;
  if (!burst && !workerStarted()) return findMarkedProcesses(ids);
  markerScans++;
  return (await scanInWorker(ids)) ?? findMarkedProcesses(ids);
}

let markerScans = 0;

/** How many marker scans of /proc this process has started (the bench and tests count them). */
export function markerScanCount(): number {
  return markerScans;
}

/** Scans closer together than this count as a burst. */
const BURST_MS = 1_000;
let lastScanAt = Number.NEGATIVE_INFINITY;

/**
 * Ends escaped processes: TERM now, KILL after the grace period for any still alive. A process in one of
 * `spare` (groups whose own TERM lanes sent or sends) gets no TERM here: a second one lands in its cleanup (a
 * shell's trap that reset TERM dies there). The KILL after the grace reaches it all the same.
 */
export function endMarkedProcesses(
  ids: ReadonlySet<string>,
  graceMs: number,
  spare: ReadonlySet<number> = NO_GROUPS,
): number {
  return signalMarked(ids, findMarkedProcesses(ids), graceMs, spare);
}

/** endMarkedProcesses with the scan off the event loop; resolves with how many were signalled. */
export async function endMarkedProcessesAsync(
  ids: ReadonlySet<string>,
  graceMs: number,
  spare: ReadonlySet<number> = NO_GROUPS,
): Promise<number> {
  return signalMarked(ids, await findMarkedProcessesAsync(ids), graceMs, spare);
}

const NO_GROUPS: ReadonlySet<number> = new Set();

function signalMarked(
  ids: ReadonlySet<string>,
  found: MarkedProcess[],
  graceMs: number,
  spare: ReadonlySet<number>,
): number {
  const term = graceMs > 0;
  const signalled =
    term && spare.size > 0 ? found.filter(({ pid }) => !spare.has(groupOf(pid) ?? -1)) : found;
  for (const { pid } of signalled) sendSignal(pid, term ? "SIGTERM" : "SIGKILL");
  if (signalled.length > 0 && term) {
    // Looked up again: a pid that exited during the grace period may belong to another process by now.
    setTimeout(() => {
      for (const { pid } of findMarkedProcesses(ids)) sendSignal(pid, "SIGKILL");
    }, graceMs).unref();
  }
  return signalled.length;
}

function sendSignal(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}
