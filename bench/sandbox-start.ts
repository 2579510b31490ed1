import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ForkServerSlot } from "../src/process/fork-server-slot.js";
import { startGroupProcess } from "../src/process/group-process.js";
import type { LaunchWrapper } from "../src/process/launch-wrapper.js";
import { createSandbox } from "../src/sandbox/create.js";
import { benchConfig, percentile, round, withWorkspace, type BenchContext } from "./support.js";

/** Start to exit of one `true` task (the exit-file wrapper, as lanes runs it), per way of running it. */
export interface SandboxStartRow {
  variant: string;
  medianMs: number;
  p99Ms: number;
  /** Median minus the unsandboxed median: what the sandbox adds per task. */
  extraMedianMs: number;
  extraP99Ms: number;
}

export interface SandboxStartResult {
  samples: number;
  rows: SandboxStartRow[];
  /** Why there are no sandboxed rows (the sandbox could not start here). */
  unavailable?: string;
}

/**
 * The extra time a sandboxed task takes, one task at a time, interleaved so machine load spreads evenly:
 * unsandboxed, sandbox with the network off, and the default (network through the proxy and its bridge: perl, or socat without perl).
 * The first sandboxed command's one-off probe is taken before sampling.
 */
export async function benchSandboxStart(context: BenchContext): Promise<SandboxStartResult> {
  const samples = context.quick ? 30 : 150;
  return withWorkspace("sandbox-start", async (dir) => {
    let unavailable: string | undefined;
    const make = (network: "off" | undefined) =>
      createSandbox(benchConfig(network ? { sandbox_network: network } : {}), {
        workspace: dir,
        lanesDir: join(dir, ".lanes"),
        env: process.env,
        onUnavailable: (line) => (unavailable = line),
      });
    // Forked by a fork server as lanes starts tasks now; the last two spawn a perl per task, as before it.
    const slot = new ForkServerSlot();
    const standard = make(undefined);
    const variants: { variant: string; sandbox: LaunchWrapper | undefined; served?: boolean }[] = [
      { variant: "unsandboxed (danger-full-access)", sandbox: undefined, served: true },
      { variant: "sandbox, network off", sandbox: make("off"), served: true },
      { variant: "sandbox, default network (proxy + bridge)", sandbox: standard, served: true },
      { variant: "unsandboxed, a perl started per task (before the fork server)", sandbox: undefined },
      {
        variant: "sandbox, default network, a perl started per task (before the fork server)",
        sandbox: standard,
      },
    ];
    const once = async (sandbox: LaunchWrapper | undefined, i: number, served = false): Promise<number> => {
      const base = join(dir, `t${i}`);
      const started = performance.now();
      const result = await startGroupProcess({
        command: "true",
        cwd: dir,
        env: process.env,
        stdin: "pipe",
        outputFile: `${base}.log`,
        exitFile: `${base}.exit`,
        sandbox,
        forkServer: served ? slot : undefined,
      }).exited;
      if (result.exitCode !== 0) throw new Error(result.error ?? `exit ${result.exitCode}`);
      return performance.now() - started;
    };
    try {
      await once(variants[1]?.sandbox, -1, true);
    } catch {
      return { samples: 0, rows: [], unavailable: unavailable ?? "the sandbox did not start" };
    }
    const times = variants.map((): number[] => []);
    for (let i = 0; i < samples; i++)
      for (const [index, { sandbox, served }] of variants.entries())
        times[index]?.push(await once(sandbox, i, served));
    slot.close();
    for (const sandbox of new Set(variants.map((v) => v.sandbox)))
      (sandbox as { close?: () => void } | undefined)?.close?.();
    const plain = { median: percentile(times[0] ?? [], 50), p99: percentile(times[0] ?? [], 99) };
    const rows = variants.map(({ variant }, index): SandboxStartRow => {
      const median = percentile(times[index] ?? [], 50);
      const p99 = percentile(times[index] ?? [], 99);
      return {
        variant,
        medianMs: round(median),
        p99Ms: round(p99),
        extraMedianMs: round(median - plain.median),
        extraP99Ms: round(p99 - plain.p99),
      };
    });
    context.log(`sandbox start: ${rows.map((r) => `${r.medianMs}/${r.p99Ms}`).join(" · ")} ms (median/p99)`);
    return { samples, rows };
  });
}

// Run alone (`node bin/run-ts.js bench/sandbox-start.ts [--quick] [--write]`): prints the rows; `--write`
// (full runs only) puts them under sandbox_start_ms in bench/results.json, leaving every other figure as is.
if (process.argv[1]?.endsWith("sandbox-start.ts")) {
  const quick = process.argv.includes("--quick");
  const result = await benchSandboxStart({ quick, log: console.log });
  console.log(JSON.stringify(result, null, 2));
  if (process.argv.includes("--write") && !quick) {
    const file = join(import.meta.dirname, "results.json");
    const json = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
    writeFileSync(file, `${JSON.stringify({ ...json, sandbox_start_ms: result }, null, 2)}\n`);
  }
}
