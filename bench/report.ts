import { round } from "./support.js";
import type { AgentsResult } from "./agents.js";
import type { LatencyResult } from "./completion-latency.js";
import type { DelayWindow, EventLoopResult } from "./event-loop.js";
import { agentRows } from "./agents-rows.js";
import { longSessionRows } from "./long-session-rows.js";
import type { LongSessionResult } from "./long-session.js";
import type { MachineInfo } from "./machine.js";
import type { FloodResult } from "./output-flood.js";
import type { ParallelPhases, ParallelResult } from "./parallel-wall.js";
import { parallelRows } from "./parallel-rows.js";
import type { RemoteBenchResult } from "./remote-lanes.js";
import { remoteRows } from "./remote-rows.js";
import type { SoakBenchResult } from "./soak/soak-bench.js";
import { soakRows } from "./soak/soak-rows.js";
import type { SpawnStep } from "./spawn-breakdown.js";
import type { SandboxScaleResult } from "./sandbox-scale.js";
import type { SandboxStartResult } from "./sandbox-start.js";
import type { SessionSaveResult } from "./session-save.js";
import type { SpawnResult } from "./spawn-throughput.js";
import type { StartupResult } from "./startup.js";

/** One field per part of the bench (bench/run.ts runs them; `--only NAME` runs one). */
export interface BenchParts {
  parallel: ParallelResult;
  latency: LatencyResult;
  spawn: SpawnResult;
  spawnSteps: SpawnStep[];
  flood: FloodResult;
  eventLoop: EventLoopResult;
  longSession: LongSessionResult;
  sessionSave: SessionSaveResult;
  sandboxStart: SandboxStartResult;
  sandboxScale: SandboxScaleResult;
  startup: StartupResult;
  /** Issue 17: the crash-and-restart soak (optional: figures from before it existed have none). */
  soak?: SoakBenchResult;
  /** Optional: figures from before issue 19 have none, and `--only OTHER` still runs on them. */
  agents?: AgentsResult;
  /** Issue 20: remote lanes over loopback (optional: figures from before it existed have none). */
  remote?: RemoteBenchResult;
}

export interface BenchResults extends BenchParts {
  quick: boolean;
  durationS: number;
  machine: MachineInfo;
  /** Set when only these parts ran this time; the others' figures are from an earlier run. */
  rerun?: string[];
}

export interface Row {
  figure: string;
  measured: number | null;
  /** `<=` or `>=` a limit; none for a baseline shown for comparison. */
  target?: { op: "<=" | ">="; limit: number } | undefined;
  how: string;
}

function phases(run: ParallelPhases | undefined, wrapCpuMs?: number): string {
  if (!run) return "";
  const cpu =
    run.cpuMsPerStart === undefined
      ? ""
      : ` (lanes ${run.cpuMsPerStart} ms of CPU per start${wrapCpuMs === undefined ? "" : `, of which sandbox wrap() ${wrapCpuMs}`})`;
  const cold =
    run.coldWallsMs === undefined
      ? ""
      : `; the median of ${run.coldWallsMs.length} runs, each in a fresh process (walls ${run.coldWallsMs.join(", ")} ms)`;
  return `; all started at ${run.toolsDoneMs} ms${cpu}, last result injected at ${run.lastResultMs} ms${cold}`;
}

/** Each round's p99, and what the main thread did meanwhile: ran, or waited for a CPU. */
function windows(list: DelayWindow[]): string {
  const each = list.map(({ p99Ms, thread }) =>
    thread
      ? `${p99Ms} (main thread ${thread.cpuMs} ms on a CPU, ${thread.runQueueWaitMs} ms waiting for one)`
      : `${p99Ms}`,
  );
  return `[${each.join("; ")}]`;
}

export function passes(row: Row): boolean | null {
  if (!row.target || row.measured === null) return null;
  return row.target.op === "<=" ? row.measured <= row.target.limit : row.measured >= row.target.limit;
}

export function rows(r: BenchResults): Row[] {
  const { parallel: p, latency: l, flood: f, eventLoop: e } = r;
  const legs = l.legs;
  const loop =
    "`runPrintMode` in-process, `createScriptProviderFromTurns`: one turn of k calls, end_turn, idle wake";
  const spawnRows = r.spawn.runs.map((run): Row => ({
    figure: `Spawn ratio, ${r.spawn.total} \`true\`, limit ${run.limit}`,
    measured: run.ratio,
    // Issue 15 keeps 1.3: only bubblewrap's own cost may replace a target, and this path is unsandboxed. The
    // spawn steps' floor row is the least a chain with its guarantees costs (two forks and an exec per task).
    target: { op: "<=", limit: 1.3 },
    how: `LaneManager first start → all ended → records flushed (${run.wallMs.lanes} ms; manager made before and shut down after) / \`spawn('/bin/sh', ['-c', 'true'])\` pool of ${run.limit} (${run.wallMs.plain} ms); median ratio of ${r.spawn.chunks} alternating chunks of ${r.spawn.total / r.spawn.chunks}`,
  }));
  return [
    ...parallelRows(
      p,
      (k) =>
        `${loop} until all results arrived; lane limit 64${phases(p.phases[`background_k${k}`], p.wrapCpuMs)}`,
    ),
    {
      figure: "Baseline: 3 foreground `bash sleep 2`",
      measured: p.foreground.k3 ?? null,
      how: `${loop}; calls run one after another, so k=10/50 would be ≈k (not measured)`,
    },
    {
      figure: `Completion→model p50 (ms), ${l.idleSamples} tasks`,
      measured: l.p50Ms,
      how: "exit stamp (`date +%s%N`, the command's last act) → `receivedAt` of the request carrying it at the fake Messages API on 127.0.0.1, same process (real Anthropic SDK, streaming); includes the settle window, which holds nothing when no other task runs",
    },
    {
      figure: `Completion→model p99 (ms), ${l.idleSamples} tasks`,
      measured: l.p99Ms,
      target: { op: "<=", limit: 60 },
      how: `same; sequential, loop idle-waiting at each exit (${l.idleSamples}/${l.tasks}); max ${l.maxMs} ms; p99 of the legs: exit → lanes sees it ${legs.exitSeen.p99Ms} (a plain \`sh -c\` child: ${l.plainExitSeen.p99Ms}), → provider called ${legs.providerCalled.p99Ms}, → request received ${legs.requestReceived.p99Ms}`,
    },
    {
      figure: `Completion→model p99 (ms), another task running, ${l.withOtherRunning.samples} tasks`,
      measured: l.withOtherRunning.p99Ms,
      how: `same, with one more task running throughout, so each result waits out the settle window (50 ms without another landing; 250 ms at most) in case others land with it; p50 ${l.withOtherRunning.p50Ms}, max ${l.withOtherRunning.maxMs} ms`,
    },
    ...spawnRows,
    {
      figure: `Output flood ${f.size}: RSS growth (MB)`,
      measured: f.rssGrowthMb,
      target: { op: "<=", limit: 64 },
      how: `one LaneManager task \`yes | head -c ${f.size}\`; RSS sampled every 50 ms, peak − before (${f.rssBeforeMb} MB)`,
    },
    {
      figure: `Output flood ${f.size}: throughput vs sh`,
      measured: f.throughputRatio,
      target: { op: ">=", limit: 0.7 },
      how: `\`sh -c 'yes | head -c ${f.size} > FILE'\` wall (${f.baselineMs} ms) / lanes wall (${f.lanesMs} ms), best of 2 each, alternating`,
    },
    {
      figure: `Event-loop delay p99 (ms), ${e.tasks} floods`,
      measured: e.p99Ms,
      target: { op: "<=", limit: 50 },
      how: `\`monitorEventLoopDelay\` (10 ms resolution, so idle reads ${e.idleP99Ms}) while ${e.tasks} LaneManager tasks \`yes | head -c ${e.size}\` run at once, from just after their start (the ${e.tasks} synchronous starts took up to ${e.startBurstMs} ms); median of ${e.lanes.length} rounds ${windows(e.lanes)}`,
    },
    {
      figure: `Baseline: event-loop delay p99 (ms), ${e.tasks} plain floods`,
      measured: e.plainP99Ms,
      how: `same, the floods as plain \`sh -c 'CMD > FILE'\` children, alternating with the lanes rounds ${windows(e.plain)}`,
    },
    {
      figure: `Chars injected for a finished ${f.size} task`,
      measured: f.injected.chars,
      target: { op: "<=", limit: 1000 },
      how: "length of the `<background-results>` block the loop drains before its next model call",
    },
    ...longSessionRows(r.longSession, r.sessionSave),
    ...sandboxRows(r.sandboxStart),
    ...scaleRows(r.sandboxScale),
    ...startupRows(r.startup),
    ...soakRows(r.soak),
    ...agentRows(r.agents),
    ...remoteRows(r.remote),
  ];
}

/** The sandbox's cost per task, beside the unsandboxed figure of the same interleaved run. */
function sandboxRows(s: SandboxStartResult): Row[] {
  const [plain, ...boxed] = s.rows;
  if (!plain) return [{ figure: "Sandboxed task start", measured: null, how: s.unavailable ?? "not run" }];
  const how = (extra: string) =>
    `start → exit of one \`true\` task through startGroupProcess (exit code recorded; its launcher forked by a fork server unless the row says otherwise), one at a time, ${s.samples} interleaved samples; ${extra}`;
  return [
    {
      figure: "Baseline: unsandboxed task start→exit, median / p99 (ms)",
      measured: plain.medianMs,
      how: how(`p99 ${plain.p99Ms} ms`),
    },
    ...boxed.map((row): Row => ({
      figure: `Extra per task, ${row.variant}: median (ms)`,
      measured: row.extraMedianMs,
      how: how(`${row.medianMs} ms median, ${row.p99Ms} ms p99 (+${row.extraP99Ms} ms over unsandboxed p99)`),
    })),
  ];
}

/** Issue 15: one turn of k background sleeps, sandboxed against danger-full-access. */
function scaleRows(s: SandboxScaleResult | undefined): Row[] {
  if (!s) return [];
  const middle = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const floor = s.floor && round(s.floor.bwrap / s.floor.plain, 3);
  const rows = s.runs.map(({ k, ratio, pairs, perCommand }): Row => {
    const side = (name: "sandboxed" | "unsandboxed") =>
      `${middle(pairs.map((p) => p[name].wallMs))} ms, CPU per task ${middle(pairs.map((p) => p[name].cpuMsPerTask))} + ${middle(pairs.map((p) => p[name].childCpuMsPerTask))} ms`;
    const floorNote =
      k === 500 && floor ? `; bubblewrap's own floor at k=500 in this run: ${floor} (next row)` : "";
    const before = perCommand
      ? `; sandboxed with a bubblewrap per command, lanes' default (run after each pair): ${perCommand.ratio} (${middle(perCommand.wallMs)} ms)`
      : "";
    return {
      figure: `Sandboxed / unsandboxed wall, ${k} background \`sleep ${s.sleepS}\``,
      measured: ratio,
      target: k === 500 ? { op: "<=", limit: 1.3 } : undefined,
      how: `\`runPrintMode\` in-process, one turn of ${k} \`background_run\`, lane limit ${k}, until every result is in; workspace-write (default network: proxy, shared loopback) with held sandboxes (the default) against danger-full-access, median of ${pairs.length} back-to-back pairs; medians: sandboxed ${side("sandboxed")}; unsandboxed ${side("unsandboxed")} (lanes + its children)${before}${floorNote}`,
    };
  });
  if (!s.floor || !floor) return rows;
  const { k, bwrap, plain, rounds, held, heldWithoutBwrap } = s.floor;
  const structural =
    held === undefined
      ? ""
      : `. The structural option's prototype, lanes' mounts held once and entered per task: ${round(held / plain, 3)} with a small bwrap each, ${round((heldWithoutBwrap ?? Number.NaN) / plain, 3)} with none ("Where sandboxed time goes")`;
  return [
    ...rows,
    {
      figure: `Bubblewrap's floor, bwrap / plain wall, ${k} \`sleep 2\` (one shell starts them; no lanes, no perl)`,
      measured: floor,
      how: `one \`sh\` starts ${k} \`bwrap <the arguments lanes' sandbox gives, default config> sh -c 'sleep 2'\` at once, against ${k} plain \`sh -c 'sleep 2'\` the same way: ${bwrap} / ${plain} of 2 s, medians of ${rounds} alternating rounds. No launcher of bubblewrap-per-command can start ${k} sandboxed commands at less than this ratio to plain ones here${structural}`,
    },
  ];
}

/** Start-up and install size of the compiled CLI (bench/startup.ts). */
function startupRows(s: StartupResult): Row[] {
  return [
    {
      figure: "Start-up: `lanes --version` / `node -e 0`",
      measured: s.versionRatio,
      target: { op: "<=", limit: 2.5 },
      how: `wall of the bundle (dist/lanes.js) against a bare node, medians of ${s.rounds} alternating runs each (${s.versionMs.lanes} ms / ${s.versionMs.node} ms)`,
    },
    {
      figure: "Start-up: `lanes -p` spawn → first request / minimal SDK script",
      measured: s.firstRequestRatio,
      target: { op: "<=", limit: 1.5 },
      how: `spawn → \`receivedAt\` of the first request at the fake Messages API on 127.0.0.1; the baseline is a node script that imports \`@anthropic-ai/sdk\` and streams the very body lanes sent; medians of ${s.rounds} alternating runs (${s.firstRequestMs.lanes} ms / ${s.firstRequestMs.sdk} ms)`,
    },
    {
      figure: "Installed size, `--omit=dev` (MB)",
      measured: s.installedMb,
      target: { op: "<=", limit: 40 },
      how: `\`npm pack\` (tarball ${s.tarballKb} KB), then \`npm install -g --omit=dev\` of it into a temp prefix; \`du\` of its node_modules`,
    },
  ];
}
