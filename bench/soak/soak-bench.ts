import { join } from "node:path";
import type { BenchContext } from "../support.js";
import { runSoak, type SoakResult } from "./run-soak.js";
import { soakTable } from "./soak-table.js";

/** What the bench keeps of a soak: the counts, and the first offenses (a broken runtime has hundreds). */
export type SoakBenchResult = SoakResult;

const KEPT_OFFENSES = 30;

function argNumber(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  if (at === -1) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`lanes bench: ${name} takes a positive number`);
  return value;
}

/** `npm run bench -- --only soak [--soak-minutes 10] [--soak-seed 1]`; `--quick` soaks 1 minute. */
export async function benchSoak(context: BenchContext): Promise<SoakBenchResult> {
  const minutes = argNumber("--soak-minutes", context.quick ? 1 : 10);
  const result = await runSoak({
    cli: join(import.meta.dirname, "..", "..", "dist", "lanes.js"),
    durationMs: minutes * 60_000,
    seed: argNumber("--soak-seed", 1),
    log: context.log,
  });
  for (const line of soakTable(result).split("\n")) context.log(line);
  return { ...result, offenses: result.offenses.slice(0, KEPT_OFFENSES) };
}
