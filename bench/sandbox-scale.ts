import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { bwrapFloor, type BwrapFloor } from "./bwrap-floor.js";
import { runPrintMode } from "../src/cli/print-mode.js";
import type { RunSummary } from "../src/cli/run-summary.js";
import { createScriptProviderFromTurns, type ScriptTurn } from "../src/model/script-provider.js";
import { groupScans } from "../src/process/group-members.js";
import { childrenCpuMs } from "./main-thread.js";
import { sandboxComponents, type ComponentCost } from "./sandbox-components.js";
import { sandboxMounts, type SandboxMounts } from "./sandbox-mounts.js";
import { scaleTimeline, type ScaleTimeline } from "./scale-timeline.js";
import { systemCpuSince, systemSnapshot, type SystemCpu } from "./system-cpu.js";
import { benchConfig, percentile, round, since, withWorkspace, type BenchContext } from "./support.js";

type Side = "sandboxed" | "unsandboxed";
/** The sandboxed side as it was before held sandboxes: a bubblewrap per command (LANES_SANDBOX_HELD=0). */
type RunSide = Side | "perCommand";

/** One side of one pair: wall of the whole turn, and CPU per task (lanes' own, and its children's). */
export interface ScaleRun {
  wallMs: number;
  /** lanes' process, all threads, per task. */
  cpuMsPerTask: number;
  /** Everything lanes ran and reaped (launcher, nsenter, bwrap, shells), per task; 10 ms ticks summed. */
  childCpuMsPerTask: number;
  /** The last start, exit written, end recorded and record written, ms from the turn's start. */
  timeline?: ScaleTimeline | undefined;
  /** The whole machine's CPU during the turn, ms (other work on the machine included). */
  system?: SystemCpu | undefined;
}

export interface ScaleK {
  k: number;
  /** Median over the pairs of sandboxed wall / unsandboxed wall, each pair run back to back. */
  ratio: number;
  /** At the largest k: a bubblewrap per command / unsandboxed, run right after each pair (its unsandboxed). */
  perCommand?: { ratio: number; wallMs: number[] } | undefined;
  pairs: Record<Side, ScaleRun>[];
}

export interface SandboxScaleResult {
  sleepS: number;
  runs: ScaleK[];
  /** Each step of a sandboxed start alone: CPU ms per run. */
  components: ComponentCost[];
  /** /proc scans for group sweeps per task, over the sandboxed runs. */
  scansPerTask: number;
  /** Bubblewrap's own floor at the largest k: one shell starting k bwrap against k plain shells. */
  floor?: BwrapFloor | undefined;
  /** One sandboxed command's mounts and the filesystems made for it (counts, unmoved by load). */
  mounts?: SandboxMounts | undefined;
}

const SLEEP_S = 1;

/** One `lanes -p` turn in-process that starts k background `sleep 1`, and waits until every result is in. */
async function scaleRun(k: number, side: RunSide): Promise<ScaleRun> {
  const turns: ScriptTurn[] = [
    {
      tool_calls: Array.from({ length: k }, () => ({
        name: "background_run",
        input: { command: `sleep ${SLEEP_S}` },
      })),
    },
    { text: "Waiting for the results." },
  ];
  return withWorkspace(`scale-${side}`, async (workspace) => {
    let summary: RunSummary | undefined;
    const sandbox = side === "unsandboxed" ? "danger-full-access" : "workspace-write";
    // The sandboxed side with held sandboxes (the default), the old side with a bubblewrap each.
    const held = side === "sandboxed" ? "1" : "0";
    const env = { ...process.env, LANES_SANDBOX_HELD: held };
    const config = benchConfig({ sandbox, default_lane_limit: k, max_turns: 1000, max_wait_ms: 120_000 });
    const cpu = process.cpuUsage();
    const children = childrenCpuMs() ?? 0;
    const machine = systemSnapshot();
    const startedAt = Date.now();
    const started = performance.now();
    const code = await runPrintMode({
      prompt: `run ${k} sleeps`,
      workspace,
      env,
      ownerPid: process.pid,
      config,
      format: "json",
      provider: createScriptProviderFromTurns(turns),
      write: (line) => (summary = JSON.parse(line) as RunSummary),
    });
    const wallMs = since(started);
    const system = systemCpuSince(machine);
    const used = process.cpuUsage(cpu);
    const childMs = (childrenCpuMs() ?? 0) - children;
    const done = summary?.background_tasks.filter((task) => task.status === "completed").length;
    if (code !== 0 || done !== k) throw new Error(`sandbox scale k=${k} ${side}: exit ${code}, ${done} done`);
    return {
      wallMs: round(wallMs, 0),
      cpuMsPerTask: round((used.user + used.system) / 1000 / k),
      childCpuMsPerTask: round(childMs / k),
      timeline: scaleTimeline(workspace, startedAt),
      system,
    };
  });
}

/**
 * Issue 15's measure from inside: sandboxed (workspace-write, default network: proxy and shared loopback)
 * against danger-full-access, the two sides alternating pair by pair so load from elsewhere hits both.
 */
export async function benchSandboxScale(context: BenchContext): Promise<SandboxScaleResult> {
  const plan = context.quick
    ? [{ k: 50, pairs: 2 }]
    : [
        { k: 200, pairs: 1 },
        { k: 500, pairs: 3 },
      ];
  const runs: ScaleK[] = [];
  let scans = 0;
  let sandboxedTasks = 0;
  for (const { k, pairs: count } of plan) {
    const pairs: Record<Side, ScaleRun>[] = [];
    const perCommand: number[] = [];
    const before = k === plan.at(-1)?.k && !context.quick;
    for (let i = 0; i < count; i++) {
      // Which side goes first alternates too: a run warms caches for the next.
      const first: Side = i % 2 === 0 ? "sandboxed" : "unsandboxed";
      const second: Side = first === "sandboxed" ? "unsandboxed" : "sandboxed";
      const scansBefore = groupScans();
      const a = await scaleRun(k, first);
      if (first === "sandboxed") scans += groupScans() - scansBefore;
      const between = groupScans();
      const b = await scaleRun(k, second);
      if (second === "sandboxed") scans += groupScans() - between;
      sandboxedTasks += k;
      pairs.push({ [first]: a, [second]: b } as Record<Side, ScaleRun>);
      if (before) perCommand.push((await scaleRun(k, "perCommand")).wallMs);
    }
    const ratio = round(
      percentile(
        pairs.map((p) => p.sandboxed.wallMs / p.unsandboxed.wallMs),
        50,
      ),
      3,
    );
    const old =
      perCommand.length === 0
        ? undefined
        : {
            ratio: round(
              percentile(
                perCommand.map((wall, i) => wall / (pairs[i]?.unsandboxed.wallMs ?? wall)),
                50,
              ),
              3,
            ),
            wallMs: perCommand,
          };
    runs.push({ k, ratio, pairs, perCommand: old });
    const show = (side: Side) =>
      pairs
        .map((p) => {
          const { wallMs, cpuMsPerTask, childCpuMsPerTask, timeline: t, system: m } = p[side];
          const at = t ? ` start ${t.lastStartMs} exit ${t.lastExitWrittenMs} ended ${t.lastEndedMs}` : "";
          const cpu = m
            ? ` machine u${m.userMs} s${m.systemMs} idle ${m.idleMs} kthreads ${m.kernelThreadsMs}`
            : "";
          return `${wallMs} ms (${cpuMsPerTask}+${childCpuMsPerTask}${at}${cpu})`;
        })
        .join(", ");
    context.log(
      `sandbox scale k=${k}: ratio ${ratio}; sandboxed ${show("sandboxed")}; unsandboxed ${show("unsandboxed")}${old ? `; a bubblewrap per command ${old.ratio} (${old.wallMs.join(", ")} ms)` : ""}`,
    );
  }
  const components = await withWorkspace("components", (dir) =>
    Promise.resolve(sandboxComponents(dir, context.quick ? 30 : 200)),
  );
  context.log(`sandbox components (CPU ms): ${components.map((c) => c.cpuMs).join(" · ")}`);
  // The floor at k=500: what any launcher pays for k bubblewraps here, beside lanes' own sandboxed / plain.
  const floor = context.quick ? undefined : await bwrapFloor(500, 2, true);
  if (floor)
    context.log(
      `bwrap floor k=500: ${floor.bwrap} / plain ${floor.plain}; held mounts + small bwrap ${floor.held}, held mounts without bwrap ${floor.heldWithoutBwrap}`,
    );
  const scansPerTask = round(scans / Math.max(1, sandboxedTasks), 3);
  const mounts = await withWorkspace("mounts", (dir) => {
    mkdirSync(join(dir, ".lanes"));
    return Promise.resolve(sandboxMounts(dir));
  });
  return { sleepS: SLEEP_S, runs, components, scansPerTask, floor, mounts };
}

if (process.argv[1]?.endsWith("sandbox-scale.ts")) {
  const result = await benchSandboxScale({ quick: process.argv.includes("--quick"), log: console.log });
  console.log(JSON.stringify(result));
}
