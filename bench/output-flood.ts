import { rmSync } from "node:fs";
import { join } from "node:path";
import { LaneManager } from "../src/lanes/lane-manager.js";
import { drainInjected, type Injected } from "./context-economy.js";
import { round, runChild, since, withWorkspace, type BenchContext } from "./support.js";

export interface FloodResult {
  size: string;
  outputBytes: number;
  status: string;
  rssBeforeMb: number;
  rssGrowthMb: number;
  /** Best of the rounds, for each side. */
  lanesMs: number;
  baselineMs: number;
  throughputRatio: number;
  injected: Injected;
}

const ROUNDS = 2;
const MB = 1024 ** 2;

/** Peak RSS sampled every 50 ms until `stop`. */
function rssSampler(): { stop: () => number } {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 50);
  return {
    stop: () => {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage.rss());
    },
  };
}

async function baseline(dir: string, size: string): Promise<number> {
  const started = performance.now();
  await runChild("/bin/sh", ["-c", `yes | head -c ${size} > baseline.out`], { cwd: dir });
  const ms = since(started);
  rmSync(join(dir, "baseline.out"), { force: true });
  return ms;
}

async function viaLanes(dir: string, size: string, n: number) {
  const lanes = new LaneManager({
    env: process.env,
    ownerPid: process.pid,
    workspace: dir,
    lanesDir: join(dir, `.lanes-${n}`),
    stallMs: 0,
  });
  try {
    const before = process.memoryUsage.rss();
    const sampler = rssSampler();
    const started = performance.now();
    const record = await lanes.whenEnded(lanes.start({ command: `yes | head -c ${size}` }).id);
    const ms = since(started);
    const peak = sampler.stop();
    const injected = drainInjected(lanes);
    rmSync(record.output_file, { force: true });
    return { ms, before, growth: peak - before, record, injected };
  } finally {
    await lanes.shutdown();
  }
}

/** One task printing 1 GiB through lanes vs the same pipeline redirected to a file by sh, alternating. */
export async function benchOutputFlood(context: BenchContext): Promise<FloodResult> {
  const size = context.quick ? "128M" : "1G";
  return withWorkspace("flood", async (dir) => {
    const baselines: number[] = [];
    const runs: Awaited<ReturnType<typeof viaLanes>>[] = [];
    for (let n = 0; n < ROUNDS; n++) {
      baselines.push(await baseline(dir, size));
      runs.push(await viaLanes(dir, size, n));
      context.log(
        `flood: ${size} via sh ${round(baselines[n] ?? 0, 0)} ms, via lanes ${round(runs[n]?.ms ?? 0, 0)} ms`,
      );
    }
    const first = runs[0];
    if (!first) throw new Error("flood: no run");
    const baselineMs = Math.min(...baselines);
    const lanesMs = Math.min(...runs.map((run) => run.ms));
    return {
      size,
      outputBytes: first.record.output_bytes,
      status: first.record.status,
      rssBeforeMb: round(first.before / MB, 1),
      rssGrowthMb: round(Math.max(...runs.map((run) => run.growth)) / MB, 1),
      lanesMs: round(lanesMs, 0),
      baselineMs: round(baselineMs, 0),
      throughputRatio: round(baselineMs / lanesMs, 3),
      injected: first.injected,
    };
  });
}
