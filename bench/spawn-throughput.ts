import { readFileSync } from "node:fs";
import { join } from "node:path";
import { LaneManager } from "../src/lanes/lane-manager.js";
import { startGroupProcess } from "../src/process/group-process.js";
import { childrenCpuMs } from "./main-thread.js";
import { percentile, pool, round, runChild, since, withWorkspace, type BenchContext } from "./support.js";

type Path = "plain" | "groupProcess" | "lanes";

/** Wall and own-CPU (this process, all threads) times in ms for `total` `true` commands at one concurrency. */
export interface SpawnRun {
  limit: number;
  /** `lanesEnded`: until every task ended; `lanes`: and every record write flushed. */
  wallMs: Record<Path | "lanesEnded", number>;
  /** This process (all threads). */
  cpuMs: Record<Path, number>;
  /** The children and everything they ran (the wrapper shell, printf), from /proc/self/stat. */
  childCpuMs: Record<Path, number>;
  /** lanes (all ended, records flushed) / plain. */
  ratio: number;
}

export interface SpawnResult {
  total: number;
  chunks: number;
  runs: SpawnRun[];
  /** lanes / plain at the default lane limit (8). */
  ratio: number;
}

// The machine is shared: the paths alternate in chunks so a burst of someone else's load hits all of them.
// Many short chunks, alternating paths, and the median of their ratios: a burst of load from others on this
// shared machine then spoils one chunk's ratio instead of the whole figure.
const CHUNKS = 10;

function plainChunk(_dir: string, count: number, limit: number): Promise<unknown> {
  return pool(count, limit, () => runChild("/bin/sh", ["-c", "true"]));
}

/** The process module alone: process group, exit-file wrapper shell, log file. */
function groupChunk(dir: string, count: number, limit: number, chunk: number): Promise<unknown> {
  return pool(count, limit, async (i) => {
    const base = join(dir, `g${limit}-${chunk}-${i}`);
    const options = { command: "true", cwd: dir, env: process.env, stdin: "pipe" as const };
    await startGroupProcess({ ...options, outputFile: `${base}.log`, exitFile: `${base}.exit` }).exited;
  });
}

/**
 * The whole runtime: start → ended → records flushed. Timed from the first start, as a session's manager
 * exists before its tasks and ends after them (its construction and shutdown are not spawn costs).
 */
async function lanesChunk(
  dir: string,
  count: number,
  limit: number,
  chunk: number,
): Promise<{ ended: number; flushed: number }> {
  const lanesDir = join(dir, `.lanes-${limit}-${chunk}`);
  const manager = new LaneManager({
    env: process.env,
    ownerPid: process.pid,
    workspace: dir,
    lanesDir,
    defaultLaneLimit: limit,
    stallMs: 0,
  });
  const started = performance.now();
  try {
    const ids = Array.from({ length: count }, () => manager.start({ command: "true" }).id);
    const records = await Promise.all(ids.map((id) => manager.whenEnded(id)));
    const ended = since(started);
    await manager.flush();
    const flushed = since(started);
    const failed = records.filter((record) => record.status !== "completed").length;
    if (failed > 0) throw new Error(`spawn: ${failed} of ${count} lanes tasks did not complete`);
    return { ended, flushed };
  } finally {
    await manager.shutdown();
    await forkServerReaped();
  }
}

/**
 * Waits (at most 2 s) until this process has no child left: the manager's fork server, which exits once its
 * pipe is closed, is then reaped, so its CPU and its reaped children's (every task's chain) count as lanes'.
 */
async function forkServerReaped(): Promise<void> {
  const file = `/proc/${process.pid}/task/${process.pid}/children`;
  const deadline = Date.now() + 2_000;
  const children = (): string => {
    try {
      return readFileSync(file, "utf8").trim();
    } catch {
      return "";
    }
  };
  while (children() !== "" && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
}

async function timed<T>(body: () => Promise<T>) {
  const cpu = process.cpuUsage();
  const children = childrenCpuMs() ?? 0;
  const started = performance.now();
  const value = await body();
  const used = process.cpuUsage(cpu);
  const childCpu = (childrenCpuMs() ?? 0) - children;
  return { wall: since(started), cpu: (used.user + used.system) / 1000, childCpu, value };
}

async function runAtLimit(dir: string, total: number, limit: number): Promise<SpawnRun> {
  const wallMs = { plain: 0, groupProcess: 0, lanesEnded: 0, lanes: 0 };
  const cpuMs = { plain: 0, groupProcess: 0, lanes: 0 };
  const childCpuMs = { ...cpuMs };
  const count = Math.ceil(total / CHUNKS);
  const chunkRatios: number[] = [];
  for (let chunk = 0; chunk < CHUNKS; chunk++) {
    const plain = await timed(() => plainChunk(dir, count, limit));
    const group = await timed(() => groupChunk(dir, count, limit, chunk));
    const lanes = await timed(() => lanesChunk(dir, count, limit, chunk));
    wallMs.plain += plain.wall;
    wallMs.groupProcess += group.wall;
    wallMs.lanes += lanes.value.flushed;
    wallMs.lanesEnded += lanes.value.ended;
    chunkRatios.push(lanes.value.flushed / plain.wall);
    cpuMs.plain += plain.cpu;
    cpuMs.groupProcess += group.cpu;
    cpuMs.lanes += lanes.cpu;
    childCpuMs.plain += plain.childCpu;
    childCpuMs.groupProcess += group.childCpu;
    childCpuMs.lanes += lanes.childCpu;
  }
  const ratio = round(percentile(chunkRatios, 50), 3);
  const rounded = <T extends Record<string, number>>(values: T): T =>
    Object.fromEntries(Object.entries(values).map(([key, ms]) => [key, round(ms, 0)])) as T;
  return { limit, wallMs: rounded(wallMs), cpuMs: rounded(cpuMs), childCpuMs, ratio };
}

/** 1,000 `true` commands per path at the same concurrency (8, the default lane limit, and 32). */
export async function benchSpawnThroughput(context: BenchContext): Promise<SpawnResult> {
  const total = context.quick ? 200 : 1000;
  return withWorkspace("spawn", async (dir) => {
    await plainChunk(dir, 20, 8);
    await lanesChunk(dir, 20, 8, -1);
    const runs: SpawnRun[] = [];
    for (const limit of [8, 32]) {
      const run = await runAtLimit(dir, total, limit);
      runs.push(run);
      const { plain, groupProcess, lanes } = run.wallMs;
      context.log(
        `spawn: limit ${limit}: plain ${plain} ms, group-process ${groupProcess} ms, lanes ${lanes} ms`,
      );
    }
    return { total, chunks: CHUNKS, runs, ratio: runs[0]?.ratio ?? Number.NaN };
  });
}
