import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

export interface MatchJob {
  source: string;
  text: string;
  /** Stop at the first matching line. */
  first: boolean;
  /** How many of the last matching lines to send back. */
  keep: number;
}

export interface MatchReply {
  count: number;
  lines: string[];
}

// The worker is a plain CommonJS script given as text, not a file of ours: it then runs the same under tsx
// (sources), from a build, or bundled, with no second entry point to ship. It loads re2js by absolute path.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { RE2JS } = require(workerData.re2js);
const compiled = new Map();
parentPort.on("message", ({ id, source, text, first, keep }) => {
  try {
    let re = compiled.get(source);
    if (re === undefined) {
      re = RE2JS.compile(source);
      if (compiled.size >= 32) compiled.delete(compiled.keys().next().value);
      compiled.set(source, re);
    }
    let count = 0;
    let lines = [];
    for (const line of text.split("\\n")) {
      if (!re.test(line)) continue;
      count++;
      lines.push(line);
      if (first) break;
      if (lines.length >= 2 * keep) lines = lines.slice(-keep);
    }
    parentPort.postMessage({ id, count, lines: lines.slice(-keep) });
  } catch (error) {
    parentPort.postMessage({ id, error: String(error && error.message) });
  }
});
`;

interface Pending {
  id: number;
  job: MatchJob;
  deadlineMs: number;
  resolve: (outcome: MatchReply | "timeout") => void;
  reject: (error: Error) => void;
}

/**
 * One worker thread runs every match, one job at a time. A job past its deadline is stopped by ending the
 * worker (a running match cannot be interrupted any other way); the next job gets a fresh worker.
 */
class MatchWorker {
  private worker: Worker | undefined;
  private readonly queue: Pending[] = [];
  private active: { pending: Pending; timer: NodeJS.Timeout } | undefined;
  private ids = 0;

  submit(job: MatchJob, deadlineMs: number): Promise<MatchReply | "timeout"> {
    return new Promise((resolve, reject) => {
      this.queue.push({ id: ++this.ids, job, deadlineMs, resolve, reject });
      this.next();
    });
  }

  private next(): void {
    if (this.active) return;
    const pending = this.queue.shift();
    if (!pending) return;
    const worker = this.start();
    const timer = setTimeout(() => {
      this.active = undefined;
      this.discard(worker);
      pending.resolve("timeout");
      this.next();
    }, pending.deadlineMs);
    // Referenced while a job runs (someone awaits its answer), unreferenced when idle: an idle worker must
    // not keep lanes from exiting.
    worker.ref();
    this.active = { pending, timer };
    worker.postMessage({ id: pending.id, ...pending.job });
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const re2js = createRequire(import.meta.url).resolve("re2js");
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { re2js } });
    worker.unref();
    worker.on("message", (message: { id: number; error?: string } & MatchReply) => {
      const active = this.active;
      if (!active || active.pending.id !== message.id) return;
      clearTimeout(active.timer);
      this.active = undefined;
      worker.unref();
      if (message.error !== undefined) active.pending.reject(new Error(message.error));
      else active.pending.resolve({ count: message.count, lines: message.lines });
      this.next();
    });
    worker.on("error", (error) => this.fail(worker, error));
    worker.on("exit", () => this.fail(worker, new Error("the pattern worker exited")));
    this.worker = worker;
    return worker;
  }

  /** The worker died under a job (out of memory, a crash): that job fails, the rest go to a new worker. */
  private fail(worker: Worker, error: Error): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    const active = this.active;
    if (active) {
      clearTimeout(active.timer);
      this.active = undefined;
      active.pending.reject(error);
    }
    this.next();
  }

  private discard(worker: Worker): void {
    if (this.worker === worker) this.worker = undefined;
    void worker.terminate();
  }
}

const shared = new MatchWorker();

/** Runs one match job off the event loop; "timeout" when it ran past `deadlineMs` and was stopped. */
export function matchInWorker(job: MatchJob, deadlineMs: number): Promise<MatchReply | "timeout"> {
  return shared.submit(job, deadlineMs);
}
