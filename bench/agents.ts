import { spawn, type ChildProcess } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { buildCli } from "../scripts/build.js";
import { readAgentState } from "../src/lanes/agent-state.js";
import { requestsOf, routeByPrompt, type Route } from "../tests/helpers/agent-routes.js";
import {
  startFakeAnthropic,
  textReply,
  toolReply,
  type FakeAnthropic,
} from "../tests/helpers/fake-anthropic-server.js";
import {
  agentsWorkspace,
  runParent,
  taskRecords,
  type AgentsWorkspace,
  type ParentRun,
} from "./agents-cli.js";
import { findAgentWorker, PeakRss, readRss, treeCpuMs, type Rss } from "./agents-memory.js";
import { benchTurnCpu, type TurnCpu } from "./agents-turn-cpu.js";
import { waitingRoutes, waitingSampler, type WaitingTogether } from "./agents-waiting.js";
import { percentile, round, withWorkspace, type BenchContext } from "./support.js";
import { fanOutPhases, medianPhases, type FanOutPhases } from "./agents-phases.js";

const ROOT = join(import.meta.dirname, "..");
const SLEEP_S = 2;

export interface AgentsResult {
  /** One turn of `agents` agent_run calls: the call → every record running, and → every first request. */
  start: { agents: number; startedMs: number; perSecond: number; readyMs: number; readyPerSecond: number };
  /** Medians over `rounds`: agent_run call → the sub-agent's first request, beside the parent's own start. */
  firstRequest: {
    rounds: number;
    agentMs: number;
    parentMs: number;
    ratio: number;
    spawnMs: number;
    /** The worker's own CPU time (user + system) when its first request arrived, with V8's code cache. */
    workerCpuMs?: number;
    /** The same with the code cache off (LANES_CODE_CACHE=0), measured in the same run. */
    uncachedCpuMs?: number;
  };
  /** Medians over `rounds`: agent_run call → the parent's request after the last agent result. */
  fanOut: {
    rounds: number;
    wallMs: number;
    ratio: number;
    processWallMs: number;
    /** Median CPU time of a worker at the first sample that saw it waiting on its sleep. */
    cpuToWaitMs?: number;
    /** Median CPU time of a worker when its first request arrived. */
    cpuToFirstRequestMs?: number;
    /** The same for the worker's whole process tree (its helpers: perl, unshare, bwrap; reaped ones too). */
    treeCpuToFirstRequestMs?: number;
    /** Median CPU time of a worker's whole process tree at the first sample that saw it waiting. */
    treeCpuToWaitMs?: number;
    /** Median time from an agent's last request to the parent's record of its end (its worker's exit). */
    endAfterLastRequestMs?: number;
    /** Where the wall goes, medians over every agent of every round (fanOutPhases). */
    phases?: FanOutPhases | undefined;
  };
  /** Peak RSS of each agent-worker while it waited on its task, and of baselines sampled meanwhile. */
  memory: { workers: number; median: Rss; max: Rss; parent: Rss; node: Rss; nodeWithSdk: Rss };
  /** `agents` agents each waiting on its own task at once: what they take together. */
  together?: WaitingTogether;
  /** The worker's CPU per model turn and per big diff under its V8 flags, against node's defaults. */
  turnCpu?: TurnCpu;
}

const median = (values: number[]): number => round(percentile(values, 50), 0);
// The workers' code cache ($XDG_CACHE_HOME/lanes), shared by every run of this bench as by a user's sessions.
const cacheDir = join(ROOT, ".build", `bench-agents-cache-${process.pid}`);

/** A parent whose first turn starts these agents and whose later turns just acknowledge. */
function parentRoute(calls: { prompt: string }[], onCall: () => void): Route {
  return (_request, index) => {
    if (index > 0) return textReply(`acknowledged ${index}`);
    onCall();
    return toolReply(calls.map((input) => ({ name: "agent_run", input })));
  };
}

/** One parent run against its own fake API; throws unless every agent completed. */
async function withParent(
  bin: string,
  routes: (onCall: () => void) => Record<string, Route>,
  options: {
    laneLimit: number;
    agents: number;
    onSample?: (ws: AgentsWorkspace, pid: number) => void;
    env?: NodeJS.ProcessEnv;
  },
): Promise<{
  server: FakeAnthropic;
  run: ParentRun;
  callAt: number;
  records: ReturnType<typeof taskRecords>;
}> {
  let callAt = Number.NaN;
  const server = await startFakeAnthropic(routeByPrompt(routes(() => (callAt = Date.now()))));
  try {
    return await withWorkspace("agents", async (dir) => {
      const ws = agentsWorkspace(dir, server, options.laneLimit, cacheDir);
      Object.assign(ws.env, options.env);
      const run = await runParent(bin, ws, "bench parent", (pid) => options.onSample?.(ws, pid));
      const records = taskRecords(ws.project).filter((r) => r.type === "local_agent");
      const completed = records.filter((r) => r.status === "completed").length;
      if (completed !== options.agents)
        throw new Error(`agents bench: ${completed}/${options.agents} completed`);
      return { server, run, callAt, records };
    });
  } finally {
    await server.close();
  }
}

async function benchStart(bin: string, agents: number): Promise<AgentsResult["start"]> {
  const prompts = Array.from({ length: agents }, (_, i) => `quick ${i}`);
  const { server, callAt, records } = await withParent(
    bin,
    (onCall) => ({
      "bench parent": parentRoute(
        prompts.map((prompt) => ({ prompt })),
        onCall,
      ),
      ...Object.fromEntries(prompts.map((prompt) => [prompt, [textReply("ok")]])),
    }),
    { laneLimit: agents, agents },
  );
  const startedMs = Math.max(...records.map((r) => Date.parse(r.started_at))) - callAt;
  const readyMs =
    Math.max(...prompts.map((p) => requestsOf(server.requests, p)[0]?.receivedAt ?? NaN)) - callAt;
  return {
    agents,
    startedMs,
    perSecond: round(agents / (startedMs / 1000), 1),
    readyMs,
    readyPerSecond: round(agents / (readyMs / 1000), 1),
  };
}

/** Agents that all wait on their tasks at once, read together, then released (bench/agents-waiting.ts). */
async function benchTogether(bin: string, agents: number): Promise<WaitingTogether> {
  const prompts = Array.from({ length: agents }, (_, i) => `waiting ${i}`);
  const sampler = waitingSampler(agents);
  await withParent(
    bin,
    (onCall) => ({
      "bench parent": parentRoute(
        prompts.map((prompt) => ({ prompt })),
        onCall,
      ),
      ...waitingRoutes(prompts),
    }),
    { laneLimit: agents, agents, onSample: sampler.onSample },
  );
  const reading = sampler.finish();
  if (!reading) throw new Error("agents bench: the waiting agents were never read");
  return reading;
}

/** One parent starting one agent; the agent's worker's CPU time when its first request arrives. */
async function probeRun(bin: string, env: NodeJS.ProcessEnv = {}) {
  let project = "";
  let cpuMs = Number.NaN;
  const firstRequest = (): void => {
    const record = taskRecords(project).find((r) => r.type === "local_agent" && r.pid);
    const worker = record ? findAgentWorker(record.pid) : undefined;
    cpuMs = worker === undefined ? Number.NaN : (readRss(worker)?.cpuMs ?? Number.NaN);
  };
  const run = await withParent(
    bin,
    (onCall) => ({
      "bench parent": parentRoute([{ prompt: "probe" }], onCall),
      probe: (_request, index) => (index === 0 && firstRequest(), textReply("probe done")),
    }),
    { laneLimit: 8, agents: 1, env, onSample: (ws) => (project = ws.project) },
  );
  return { ...run, cpuMs };
}

async function benchFirstRequest(bin: string, rounds: number): Promise<AgentsResult["firstRequest"]> {
  const samples = { agent: [] as number[], parent: [] as number[], spawn: [] as number[] };
  const cpu = { cached: [] as number[], uncached: [] as number[] };
  for (let i = 0; i < rounds; i++) {
    const { server, run, callAt, records, cpuMs } = await probeRun(bin);
    cpu.cached.push(cpuMs);
    // Side by side, so the load of the moment weighs on both alike.
    cpu.uncached.push((await probeRun(bin, { LANES_CODE_CACHE: "0" })).cpuMs);
    samples.parent.push(requestsOf(server.requests, "bench parent")[0]!.receivedAt - run.spawnedAt);
    samples.agent.push(requestsOf(server.requests, "probe")[0]!.receivedAt - callAt);
    samples.spawn.push(Date.parse(records[0].started_at) - callAt);
  }
  const agentMs = median(samples.agent);
  const parentMs = median(samples.parent);
  return {
    ...{ rounds, agentMs, parentMs, ratio: round(agentMs / parentMs, 2), spawnMs: median(samples.spawn) },
    ...{ workerCpuMs: median(cpu.cached), uncachedCpuMs: median(cpu.uncached) },
  };
}

/** An idle node process to sample beside the workers; `sdk` makes it import the Anthropic SDK first. */
function idleNode(sdk: boolean): ChildProcess {
  const code = `${sdk ? 'await import("@anthropic-ai/sdk");' : ""} setInterval(() => {}, 1000);`;
  return spawn(process.execPath, ["--input-type=module", "-e", code], { cwd: ROOT, stdio: "ignore" });
}

export async function benchFanOut(
  bin: string,
  rounds: number,
): Promise<Omit<AgentsResult, "start" | "firstRequest">> {
  const names = ["alpha", "beta", "gamma"];
  const agentScript = [
    toolReply([{ name: "background_run", input: { command: `sleep ${SLEEP_S}` } }]),
    textReply("waiting for my sleep"),
    textReply("finished"),
  ];
  // Each worker's CPU when its first request arrives, read from /proc by the fake API as it answers.
  let project = "";
  const cpuToFirst: number[] = [];
  const treeToFirst: number[] = [];
  const agentRoute =
    (prompt: string): Route =>
    (_request, index) => {
      if (index === 0) {
        const record = taskRecords(project).find((r) => r.type === "local_agent" && r.description === prompt);
        const worker = record?.pid ? findAgentWorker(record.pid) : undefined;
        const cpuMs = worker === undefined ? undefined : readRss(worker)?.cpuMs;
        if (cpuMs !== undefined) cpuToFirst.push(cpuMs);
        const treeMs = worker === undefined ? undefined : treeCpuMs(worker);
        if (treeMs !== undefined) treeToFirst.push(treeMs);
      }
      return agentScript[index] ?? textReply(`done ${index}`);
    };
  const endAfterLast: number[] = [];
  const phaseRounds: FanOutPhases[] = [];
  const peaks = new PeakRss();
  const baselines = { node: idleNode(false), nodeWithSdk: idleNode(true) };
  const walls = { fanOut: [] as number[], process: [] as number[] };
  // The peaks' CPU is the last seen while waiting, so it includes the sleep's end; this is its start.
  const toWait = new Map<string, number>();
  const treeToWait = new Map<string, number>();
  try {
    for (let i = 0; i < rounds; i++) {
      const onSample = (ws: AgentsWorkspace, pid: number): void => {
        project = ws.project;
        for (const record of taskRecords(ws.project)) {
          if (record.type !== "local_agent" || record.status !== "running" || !record.pid) continue;
          const state = readAgentState(join(ws.project, ".lanes"), record.id);
          const worker = state?.phase === "waiting" ? findAgentWorker(record.pid) : undefined;
          const rss = worker === undefined ? undefined : readRss(worker);
          peaks.add(`worker ${i} ${record.id}`, rss);
          if (rss && !toWait.has(`${i} ${record.id}`)) {
            toWait.set(`${i} ${record.id}`, rss.cpuMs);
            const treeMs = treeCpuMs(worker!);
            if (treeMs !== undefined) treeToWait.set(`${i} ${record.id}`, treeMs);
          }
        }
        peaks.add("parent", readRss(pid));
        for (const [name, child] of Object.entries(baselines)) peaks.add(name, readRss(child.pid ?? -1));
      };
      const { server, run, callAt, records } = await withParent(
        bin,
        (onCall) => ({
          "bench parent": parentRoute(
            names.map((name) => ({ prompt: `fan out ${name}` })),
            onCall,
          ),
          ...Object.fromEntries(names.map((name) => [`fan out ${name}`, agentRoute(`fan out ${name}`)])),
        }),
        { laneLimit: 8, agents: names.length, onSample },
      );
      walls.fanOut.push(requestsOf(server.requests, "bench parent").at(-1)!.receivedAt - callAt);
      walls.process.push(run.exitedAt - run.spawnedAt);
      for (const record of records) {
        const last = requestsOf(server.requests, record.description ?? "").at(-1);
        if (last && record.ended_at) endAfterLast.push(Date.parse(record.ended_at) - last.receivedAt);
      }
      phaseRounds.push(fanOutPhases(server.requests, records, callAt));
    }
  } finally {
    for (const child of Object.values(baselines)) child.kill("SIGKILL");
  }
  const workers = [...peaks.peaks].filter(([key]) => key.startsWith("worker")).map(([, rss]) => rss);
  if (workers.length === 0) throw new Error("agents bench: no agent-worker was seen waiting");
  const by = (pick: (values: number[]) => number) => ({
    rssMb: pick(workers.map((w) => w.rssMb)),
    anonMb: pick(workers.map((w) => w.anonMb)),
    fileMb: pick(workers.map((w) => w.fileMb)),
    privateMb: pick(workers.map((w) => w.privateMb)),
    cpuMs: pick(workers.map((w) => w.cpuMs)),
  });
  const peak = (key: string): Rss =>
    peaks.peaks.get(key) ?? { rssMb: NaN, anonMb: NaN, fileMb: NaN, privateMb: NaN, cpuMs: NaN };
  const wallMs = median(walls.fanOut);
  return {
    fanOut: {
      rounds,
      wallMs,
      ratio: round(wallMs / (SLEEP_S * 1000), 3),
      processWallMs: median(walls.process),
      cpuToWaitMs: median([...toWait.values()]),
      cpuToFirstRequestMs: median(cpuToFirst),
      treeCpuToFirstRequestMs: median(treeToFirst),
      treeCpuToWaitMs: median([...treeToWait.values()]),
      endAfterLastRequestMs: median(endAfterLast),
      phases: medianPhases(phaseRounds),
    },
    memory: {
      workers: workers.length,
      median: by((values) => percentile(values, 50)),
      max: by((values) => Math.max(...values)),
      ...{ parent: peak("parent"), node: peak("node"), nodeWithSdk: peak("nodeWithSdk") },
    },
  };
}

/** Issue 19: background agents through the built CLI against the fake Messages API on 127.0.0.1. */
export async function benchAgents(context: BenchContext): Promise<AgentsResult> {
  const outDir = join(ROOT, ".build", `bench-agents-${process.pid}`);
  const bin = await buildCli(outDir);
  try {
    // The first agent ever writes the code cache; the figures are those of the agents after it.
    await probeRun(bin);
    const start = await benchStart(bin, context.quick ? 8 : 20);
    context.log(
      `${start.agents} agents: records running ${start.startedMs} ms after the call (${start.perSecond}/s), first requests ${start.readyMs} ms (${start.readyPerSecond}/s)`,
    );
    const firstRequest = await benchFirstRequest(bin, context.quick ? 2 : 5);
    context.log(
      `sub-agent first request ${firstRequest.agentMs} ms after agent_run (spawned at ${firstRequest.spawnMs} ms), lanes -p spawn → first request ${firstRequest.parentMs} ms; worker CPU to its first request ${firstRequest.workerCpuMs} ms (without the code cache ${firstRequest.uncachedCpuMs} ms)`,
    );
    const rest = await benchFanOut(bin, context.quick ? 1 : 3);
    context.log(
      `fan-out of 3 agents on sleep ${SLEEP_S}: ${rest.fanOut.wallMs} ms; worker CPU at its first request ${rest.fanOut.cpuToFirstRequestMs} ms, when it began to wait ${rest.fanOut.cpuToWaitMs} ms (its process tree ${rest.fanOut.treeCpuToFirstRequestMs} / ${rest.fanOut.treeCpuToWaitMs} ms), by the end of its wait ${rest.memory.median.cpuMs} ms; its end recorded ${rest.fanOut.endAfterLastRequestMs} ms after its last request; phases ${JSON.stringify(rest.fanOut.phases)}; worker RSS while waiting median ${rest.memory.median.rssMb} MB, max ${rest.memory.max.rssMb} MB (idle node ${rest.memory.node.rssMb} MB, with the SDK ${rest.memory.nodeWithSdk.rssMb} MB)`,
    );
    const together = await benchTogether(bin, context.quick ? 8 : 20);
    context.log(
      `${together.waiting}/${together.agents} agents waiting at once: RSS ${together.rssMb} MB each (median), PSS ${together.workerPssMb} MB per worker, ${together.treePssMb} MB per agent's process tree; MemAvailable down ${together.memAvailableDropMb} MB per agent (parent's ${together.parentPssMb} MB taken out)`,
    );
    const turnCpu = await benchTurnCpu(context.quick ? 2 : 5, 30);
    context.log(
      `CPU per streamed 200 KB turn ${turnCpu.workerTurnMs} ms with the worker's flags, ${turnCpu.defaultTurnMs} ms with node's defaults; a 20,000-line diff ${turnCpu.workerDiffMs} ms against ${turnCpu.defaultDiffMs} ms`,
    );
    return { start, firstRequest, ...rest, together, turnCpu };
  } finally {
    rmSync(outDir, { recursive: true, force: true });
    rmSync(cacheDir, { recursive: true, force: true });
  }
}
