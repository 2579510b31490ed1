import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { readAgentState } from "../src/lanes/agent-state.js";
import { textReply, toolReply } from "../tests/helpers/fake-anthropic-server.js";
import { taskRecords, type AgentsWorkspace } from "./agents-cli.js";
import {
  findAgentWorker,
  memAvailableMb,
  processTree,
  readMappings,
  readPss,
  readRss,
  type Mappings,
} from "./agents-memory.js";
import { percentile, round } from "./support.js";

/** What `agents` agents waiting at once take together, read once all of them waited for SETTLE_MS. */
export interface WaitingTogether {
  agents: number;
  /** How many were waiting when the reading was taken (all of them unless LIMIT_MS ran out). */
  waiting: number;
  /** Median VmRSS of one worker: what the per-process target counts. */
  rssMb: number;
  /** Sum of the workers' PSS / agents: node's shared pages counted once across them all. */
  workerPssMb: number;
  /** The same over each agent's whole process tree (its sandbox's network proxy and its task too). */
  treePssMb: number;
  /**
   * MemAvailable at the reading against just after the parent and its agents exited (seconds apart, so
   * little else moves it), less the parent's PSS, / agents: what the kernel saw them take.
   */
  memAvailableDropMb: number;
  /** The parent lanes' own PSS at the reading, inside the drop above. */
  parentPssMb: number;
  /** Where the resident memory of the worker with the median RSS goes, by mapping. */
  mappings?: Mappings | undefined;
}

const SETTLE_MS = 1500;
const LIMIT_MS = 180_000;
const RELEASE = "release-agents";

/** Each agent starts one task that waits for the bench's release file, then ends its turns. */
export function waitingRoutes(prompts: string[]): Record<string, ReturnType<typeof textReply>[]> {
  const wait = `until [ -e ${RELEASE} ]; do sleep 0.5; done`;
  // Spare replies: a stall notice waking an agent early must not run its script dry.
  const script = [
    toolReply([{ name: "background_run", input: { command: wait } }]),
    ...Array.from({ length: 6 }, (_, i) => textReply(`waiting ${i}`)),
  ];
  return Object.fromEntries(prompts.map((prompt) => [prompt, script]));
}

/**
 * The sampler for runParent: once every agent's state says `waiting` (and stayed so SETTLE_MS, past the
 * last one's start-up), it reads their memory once and writes the release file so they all finish.
 */
export function waitingSampler(agents: number): {
  onSample: (ws: AgentsWorkspace, parentPid: number) => void;
  /** Call once the parent exited: the reading, with MemAvailable's drop against now. */
  finish: () => WaitingTogether | undefined;
} {
  const startedAt = Date.now();
  let allWaitingSince: number | undefined;
  let reading: (Omit<WaitingTogether, "memAvailableDropMb"> & { memAvailableMb: number }) | undefined;
  const onSample = (ws: AgentsWorkspace, parentPid: number): void => {
    if (reading) return;
    const leaders = taskRecords(ws.project)
      .filter((r) => r.type === "local_agent" && r.status === "running" && r.pid)
      .filter((r) => readAgentState(join(ws.project, ".lanes"), r.id)?.phase === "waiting")
      .map((r) => r.pid as number);
    const now = Date.now();
    allWaitingSince = leaders.length < agents ? undefined : (allWaitingSince ?? now);
    const settled = allWaitingSince !== undefined && now - allWaitingSince >= SETTLE_MS;
    if (!settled && now - startedAt < LIMIT_MS) return;
    reading = readTogether(agents, leaders, parentPid);
    writeFileSync(join(ws.project, RELEASE), "");
  };
  const finish = (): WaitingTogether | undefined => {
    if (!reading) return undefined;
    const { memAvailableMb: during, ...rest } = reading;
    const drop = (memAvailableMb() - during - rest.parentPssMb) / rest.waiting;
    return { ...rest, memAvailableDropMb: round(drop, 1) };
  };
  return { onSample, finish };
}

function readTogether(
  agents: number,
  leaders: number[],
  parentPid: number,
): Omit<WaitingTogether, "memAvailableDropMb"> & { memAvailableMb: number } {
  const workers = leaders.map(findAgentWorker).filter((pid): pid is number => pid !== undefined);
  const sum = (pids: number[]): number => pids.reduce((total, pid) => total + (readPss(pid) ?? 0), 0);
  const rss = workers.map((pid) => readRss(pid)?.rssMb ?? Number.NaN);
  const middle = workers[rss.indexOf(percentile(rss, 50))];
  const parentPss = readPss(parentPid) ?? 0;
  return {
    agents,
    waiting: workers.length,
    rssMb: round(percentile(rss, 50), 1),
    workerPssMb: round(sum(workers) / workers.length, 1),
    treePssMb: round(sum(leaders.flatMap(processTree)) / leaders.length, 1),
    memAvailableMb: memAvailableMb(),
    parentPssMb: parentPss,
    mappings: middle === undefined ? undefined : readMappings(middle),
  };
}
