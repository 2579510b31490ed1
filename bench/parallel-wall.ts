import { runPrintMode } from "../src/cli/print-mode.js";
import type { RunSummary } from "../src/cli/run-summary.js";
import { createScriptProviderFromTurns, type ScriptTurn } from "../src/model/script-provider.js";
import { bwrapFloor, type BwrapFloor } from "./bwrap-floor.js";
import { wrapCpuMsPerCall } from "./sandbox-wrap-cost.js";
import { benchConfig, round, since, withWorkspace, type BenchContext } from "./support.js";

/** ms from the start of the run: last tool call returned (all tasks started), last result injected, run ended. */
export interface ParallelPhases {
  toolsDoneMs: number;
  lastResultMs: number;
  wallMs: number;
  /** lanes' CPU (all its threads) from the first tool call to the last tool result, per call. */
  cpuMsPerStart?: number;
}

export interface ParallelResult {
  /** Background wall / 2 s per k (null when not run, e.g. k=50 in --quick). */
  background: Record<string, number | null>;
  /** Foreground wall / 2 s, measured at k=3 only. */
  foreground: Record<string, number | null>;
  phases: Record<string, ParallelPhases>;
  /** CPU ms of one sandbox `wrap()` (arguments, protected paths, mount points): part of cpuMsPerStart. */
  wrapCpuMs?: number;
  /** Bubblewrap's own floor at the same k, measured in the same run (bwrap-floor.ts), by `k3`, `k50`. */
  floors?: Record<string, BwrapFloor>;
}

const SLEEP_S = 2;

/** One `lanes -p` run in-process: scripted turns, real tools and processes, idle wake until every result is in. */
async function scriptedRun(k: number, tool: "background_run" | "bash"): Promise<ParallelPhases> {
  const turns: ScriptTurn[] = [
    { tool_calls: Array.from({ length: k }, () => ({ name: tool, input: { command: `sleep ${SLEEP_S}` } })) },
    { text: "Waiting for the results." },
  ];
  return withWorkspace("parallel", async (workspace) => {
    let summary: RunSummary | undefined;
    const started = performance.now();
    const phases: ParallelPhases = { toolsDoneMs: 0, lastResultMs: 0, wallMs: 0 };
    let cpuAtFirstCall: NodeJS.CpuUsage | undefined;
    let cpuAtLastResult: NodeJS.CpuUsage | undefined;
    const code = await runPrintMode({
      prompt: `run ${k} sleeps`,
      workspace,
      env: process.env,
      ownerPid: process.pid,
      config: benchConfig({ default_lane_limit: 64, max_turns: 1000, max_wait_ms: 60_000 }),
      format: "json",
      provider: createScriptProviderFromTurns(turns),
      write: (line) => (summary = JSON.parse(line) as RunSummary),
      onEvent: (event) => {
        if (event.type === "tool-call") cpuAtFirstCall ??= process.cpuUsage();
        if (event.type === "tool-result") {
          phases.toolsDoneMs = round(since(started), 0);
          cpuAtLastResult = process.cpuUsage(cpuAtFirstCall);
        }
        if (event.type === "background-results") phases.lastResultMs = round(since(started), 0);
      },
    });
    phases.wallMs = round(since(started), 0);
    if (cpuAtLastResult)
      phases.cpuMsPerStart = round((cpuAtLastResult.user + cpuAtLastResult.system) / 1000 / k, 2);
    const calls = summary?.tool_calls.filter((call) => call.name === tool && !call.is_error).length;
    const done = summary?.background_tasks.filter((task) => task.status === "completed").length;
    const expected = tool === "background_run" ? k : 0;
    if (code !== 0 || calls !== k || done !== expected) {
      throw new Error(`parallel k=${k} ${tool}: exit ${code}, ${calls} calls, ${done} tasks completed`);
    }
    return phases;
  });
}

export async function benchParallelWall(context: BenchContext): Promise<ParallelResult> {
  const ks = context.quick ? [3, 10] : [3, 10, 50];
  const result: ParallelResult = {
    background: { k3: null, k10: null, k50: null },
    foreground: { k3: null },
    phases: {},
  };
  for (const k of ks) {
    const phases = await scriptedRun(k, "background_run");
    result.phases[`background_k${k}`] = phases;
    result.background[`k${k}`] = round(phases.wallMs / (SLEEP_S * 1000), 3);
    context.log(
      `parallel: ${k} background sleeps in ${phases.wallMs} ms (all started at ${phases.toolsDoneMs} ms)`,
    );
  }
  result.floors = {};
  for (const k of context.quick ? [3] : [3, 50]) {
    const floor = await bwrapFloor(k);
    if (!floor) continue;
    result.floors[`k${k}`] = floor;
    context.log(`parallel: bubblewrap's floor at k=${k}: ${floor.bwrap} (plain sh ${floor.plain})`);
  }
  result.wrapCpuMs = await wrapCpuMsPerCall();
  context.log(`parallel: sandbox wrap() ${result.wrapCpuMs} ms of CPU per call`);
  const phases = await scriptedRun(3, "bash");
  result.phases.foreground_k3 = phases;
  result.foreground.k3 = round(phases.wallMs / (SLEEP_S * 1000), 3);
  context.log(`parallel: 3 foreground sleeps in ${phases.wallMs} ms`);
  return result;
}
