import { rmSync } from "node:fs";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { LaneManager } from "../src/lanes/lane-manager.js";
import { round, runChild, since, withWorkspace, type BenchContext } from "./support.js";

export interface EventLoopResult {
  tasks: number;
  size: string;
  /** Delay histogram at 10 ms resolution: a sample is the whole interval, so an idle loop reads ~10 ms. */
  p99Ms: number;
  maxMs: number;
  idleP99Ms: number;
  /** The same 20 floods spawned plainly (`sh -c 'CMD > FILE'`), measured just before: the OS's share. */
  plainP99Ms: number;
  plainMaxMs: number;
  /** Starting the 20 tasks is synchronous (one spawn each), timed apart from the flood window. */
  startBurstMs: number;
  floodMs: number;
}

const RESOLUTION_MS = 10;

async function measure<T>(body: () => Promise<T>): Promise<{ value: T; p99Ms: number; maxMs: number }> {
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  try {
    const value = await body();
    return { value, p99Ms: histogram.percentile(99) / 1e6, maxMs: histogram.max / 1e6 };
  } finally {
    histogram.disable();
  }
}

/** Event-loop delay of this process while 20 lanes tasks flood output at once, beside the idle loop. */
export async function benchEventLoop(context: BenchContext): Promise<EventLoopResult> {
  const tasks = 20;
  const size = context.quick ? "20M" : "200M";
  const idle = await measure(() => new Promise((resolve) => setTimeout(resolve, 1_000)));
  return withWorkspace("event-loop", async (workspace) => {
    const flood = `yes | head -c ${size}`;
    const children = Array.from({ length: tasks }, (_, i) =>
      runChild("/bin/sh", ["-c", `${flood} > plain-${i}.out`], { cwd: workspace }),
    );
    const plain = await measure(() => Promise.all(children));
    for (let i = 0; i < tasks; i++) rmSync(join(workspace, `plain-${i}.out`), { force: true });
    const lanes = new LaneManager({ workspace, defaultLaneLimit: tasks, stallMs: 0 });
    try {
      const started = performance.now();
      const ids = Array.from({ length: tasks }, () => lanes.start({ command: flood }).id);
      const startBurstMs = since(started);
      const measured = await measure(() => Promise.all(ids.map((id) => lanes.whenEnded(id))));
      const floodMs = since(started);
      const failed = measured.value.filter((record) => record.status !== "completed").length;
      if (failed > 0) throw new Error(`event-loop: ${failed} of ${tasks} flood tasks did not complete`);
      const result: EventLoopResult = {
        tasks,
        size,
        p99Ms: round(measured.p99Ms),
        maxMs: round(measured.maxMs),
        plainP99Ms: round(plain.p99Ms),
        plainMaxMs: round(plain.maxMs),
        idleP99Ms: round(idle.p99Ms),
        startBurstMs: round(startBurstMs, 1),
        floodMs: round(floodMs, 0),
      };
      context.log(
        `event loop: p99 ${result.p99Ms} ms during ${tasks} floods of ${size} (plain floods ${result.plainP99Ms} ms, idle ${result.idleP99Ms} ms)`,
      );
      return result;
    } finally {
      await lanes.shutdown();
    }
  });
}
