import { Worker } from "node:worker_threads";
import type { MarkedProcess } from "./marked-processes.js";

// A plain CommonJS script given as text (as the pattern worker): it runs the same from sources, a build or
// the bundle. It does the synchronous /proc scan, so lanes' event loop spends nothing on it but two messages.
// The marker test is the one markerIn() does (an exact variable), written out again because the worker
// cannot import our modules: keep the two in step.
const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
const { readdirSync, readFileSync } = require("node:fs");
const PREFIX = "LANES_TASK_ID=";
function markerIn(environ) {
  let at = 0;
  if (!environ.startsWith(PREFIX)) {
    const found = environ.indexOf("\\0" + PREFIX);
    if (found === -1) return undefined;
    at = found + 1;
  }
  const end = environ.indexOf("\\0", at);
  return environ.slice(at + PREFIX.length, end === -1 ? undefined : end);
}
parentPort.on("message", ({ id, ids, self }) => {
  const wanted = new Set(ids);
  const found = [];
  let entries = [];
  try { entries = readdirSync("/proc"); } catch {}
  for (const entry of entries) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === self) continue;
    let environ;
    try { environ = readFileSync("/proc/" + pid + "/environ", "latin1"); } catch { continue; }
    const taskId = markerIn(environ);
    if (taskId !== undefined && wanted.has(taskId)) found.push({ pid, taskId });
  }
  parentPort.postMessage({ id, found });
});
`;

let worker: Worker | undefined;
let ids = 0;
const waiting = new Map<number, (found: MarkedProcess[] | undefined) => void>();

function start(): Worker {
  if (worker) return worker;
  const started = new Worker(WORKER_SOURCE, { eval: true });
  // Idle, it must not keep lanes alive; while a scan is awaited it is referenced (see scanInWorker).
  started.unref();
  started.on("message", (message: { id: number; found: MarkedProcess[] }) => {
    waiting.get(message.id)?.(message.found);
    waiting.delete(message.id);
    if (waiting.size === 0) started.unref();
  });
  const failed = (): void => {
    if (worker === started) worker = undefined;
    for (const resolve of waiting.values()) resolve(undefined);
    waiting.clear();
  };
  started.on("error", failed);
  started.on("exit", failed);
  worker = started;
  return started;
}

/** Whether the scanning worker is running (it stays once started, unreferenced between scans). */
export function workerStarted(): boolean {
  return worker !== undefined;
}

/** The marked processes, found by a worker thread; undefined if the worker could not answer. */
export function scanInWorker(wanted: ReadonlySet<string>): Promise<MarkedProcess[] | undefined> {
  return new Promise((resolve) => {
    let scanner: Worker;
    try {
      scanner = start();
    } catch {
      resolve(undefined);
      return;
    }
    const id = ++ids;
    waiting.set(id, resolve);
    scanner.ref();
    scanner.postMessage({ id, ids: [...wanted], self: process.pid });
  });
}
