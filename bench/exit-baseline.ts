import { readFileSync } from "node:fs";
import { join } from "node:path";
import { percentile, round, runChild } from "./support.js";

/**
 * The first leg of completion latency without lanes: a plain `sh -c` child writes its exit stamp as its last
 * act, and this process sees the `exit` event. What lanes adds on top is its wrapper shell and bookkeeping.
 */
export async function plainExitSeen(dir: string, samples: number): Promise<{ p50Ms: number; p99Ms: number }> {
  const delays: number[] = [];
  for (let i = 0; i < samples; i++) {
    const file = join(dir, `.plain-exit-${i}`);
    await runChild("/bin/sh", ["-c", `sleep 0.02; date +%s%N > ${file}`]);
    const seen = Date.now();
    delays.push(seen - readExitStampMs(file));
  }
  return { p50Ms: round(percentile(delays, 50)), p99Ms: round(percentile(delays, 99)) };
}

/** A `date +%s%N` stamp file as epoch milliseconds with microsecond precision. */
export function readExitStampMs(file: string): number {
  return Number(BigInt(readFileSync(file, "utf8").trim()) / 1000n) / 1000;
}
