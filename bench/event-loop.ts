import { monitorEventLoopDelay } from "node:perf_hooks";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { LaneManager } from "../src/lanes/lane-manager.js";
import { mainThreadTime, timeSince, type ThreadTime } from "./main-thread.js";
import { percentile, round, runChild, since, withWorkspace, type BenchContext } from "./support.js";

/** One window of event-loop delay (10 ms resolution: a sample is the whole interval, so idle reads ~10 ms). */
export interface DelayWindow {
  p99Ms: number;
  maxMs: number;
  /** Main thread on a CPU, and runnable but waiting for one (null without Linux schedstat). */
  thread: ThreadTime | null;
}

export interface EventLoopResult {
  tasks: number;
  size: string;
  /** Median over the rounds of each window's p99. */
  p99Ms: number;
  plainP99Ms: number;
  idleP99Ms: number;
  /** Floods through lanes, and the same floods as plain `sh -c 'CMD > FILE'` children, alternating. */
  lanes: DelayWindow[];
  plain: DelayWindow[];
  /** Starting the 20 tasks is synchronous (one spawn each), so it is timed apart from the windows. */
  startBurstMs: number;
}

async function measure(body: () => Promise<unknown>): Promise<DelayWindow> {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  const thread = mainThreadTime();
  histogram.enable();
  try {
    await body();
    const p99Ms = round(histogram.percentile(99) / 1e6);
    return { p99Ms, maxMs: round(histogram.max / 1e6), thread: timeSince(thread) };
  } finally {
    histogram.disable();
  }
}

async function plainWindow(dir: string, tasks: number, flood: string): Promise<DelayWindow> {
  const files = Array.from({ length: tasks }, (_, i) => join(dir, `plain-${i}.out`));
  const children = files.map((file) => runChild("/bin/sh", ["-c", `${flood} > ${file}`]));
  const window = await measure(() => Promise.all(children));
  for (const file of files) rmSync(file, { force: true });
  return window;
}

async function lanesWindow(dir: string, tasks: number, flood: string, n: number) {
  const lanes = new LaneManager({
    env: process.env,
    ownerPid: process.pid,
    workspace: dir,
    lanesDir: join(dir, `.lanes-${n}`),
    defaultLaneLimit: tasks,
  });
  try {
    const started = performance.now();
    const ids = Array.from({ length: tasks }, () => lanes.start({ command: flood }).id);
    const startBurstMs = since(started);
    const window = await measure(() => Promise.all(ids.map((id) => lanes.whenEnded(id))));
    const failed = lanes.list().filter((record) => record.status !== "completed").length;
    if (failed > 0) throw new Error(`event-loop: ${failed} of ${tasks} flood tasks did not complete`);
    return { window, startBurstMs };
  } finally {
    await lanes.shutdown();
    rmSync(join(dir, `.lanes-${n}`), { recursive: true, force: true });
  }
}

/** Event-loop delay while 20 tasks flood output at once, through lanes and plainly, in alternating rounds. */
export async function benchEventLoop(context: BenchContext): Promise<EventLoopResult> {
  const tasks = 20;
  const size = context.quick ? "20M" : "200M";
  const flood = `yes | head -c ${size}`;
  const idle = await measure(() => new Promise((resolve) => setTimeout(resolve, 1_000)));
  return withWorkspace("event-loop", async (dir) => {
    const plain: DelayWindow[] = [];
    const lanes: DelayWindow[] = [];
    let startBurstMs = 0;
    for (let n = 0; n < (context.quick ? 1 : 3); n++) {
      plain.push(await plainWindow(dir, tasks, flood));
      const run = await lanesWindow(dir, tasks, flood, n);
      lanes.push(run.window);
      startBurstMs = Math.max(startBurstMs, run.startBurstMs);
      context.log(
        `event loop: p99 ${run.window.p99Ms} ms via lanes, ${plain[n]?.p99Ms} ms plain (${size} × ${tasks})`,
      );
    }
    const median = (windows: DelayWindow[]) =>
      percentile(
        windows.map((w) => w.p99Ms),
        50,
      );
    return {
      ...{ tasks, size, p99Ms: median(lanes), plainP99Ms: median(plain), idleP99Ms: idle.p99Ms },
      ...{ lanes, plain, startBurstMs: round(startBurstMs, 1) },
    };
  });
}
