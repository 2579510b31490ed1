import { spawn, type SpawnOptions } from "node:child_process";
import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigSchema, type LanesConfig } from "../src/config/config.js";

/** What every benchmark gets: smoke-run sizes or full ones, and a progress line writer. */
export interface BenchContext {
  quick: boolean;
  log: (line: string) => void;
}

/** A fresh real directory under the OS temp dir, removed afterwards whatever happens. */
export async function withWorkspace<T>(name: string, body: (dir: string) => Promise<T>): Promise<T> {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), `lanes-bench-${name}-`)));
  try {
    return await body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Full configuration with the given settings; everything else at its default. */
export function benchConfig(settings: Partial<LanesConfig>): LanesConfig {
  return ConfigSchema.parse(settings);
}

/** Nearest-rank percentile; NaN for no samples. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

export function round(value: number, digits = 2): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** Runs `total` jobs with at most `concurrency` in flight, in order. */
export async function pool(
  total: number,
  concurrency: number,
  job: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < total) await job(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
}

/** Spawns a plain child and resolves when it exits; rejects on a spawn error or a non-zero exit. */
export function runChild(file: string, args: string[], options: SpawnOptions = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: "ignore", ...options });
    child.once("error", reject);
    child.once("exit", (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`${file} ${args.join(" ")}: exit ${code ?? signal}`)),
    );
  });
}

/** Milliseconds since `start` (a performance.now() value). */
export function since(start: number): number {
  return performance.now() - start;
}
