import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Session } from "../src/session/session.js";
import { createAnthropicProvider } from "../src/model/anthropic-provider.js";
import type { ModelProvider } from "../src/model/types.js";
import {
  startFakeAnthropic,
  textReply,
  toolReply,
  type FakeReply,
} from "../tests/helpers/fake-anthropic-server.js";
import { plainExitSeen, readExitStampMs } from "./exit-baseline.js";
import { benchConfig, percentile, round, withWorkspace, type BenchContext } from "./support.js";

/** p50 / p99 in ms of the whole path and of its three legs. */
export interface LatencyResult {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** exit stamp → lanes records the exit; → the loop calls the provider; → the fake API receives the request. */
  legs: Record<"exitSeen" | "providerCalled" | "requestReceived", { p50Ms: number; p99Ms: number }>;
  /** The first leg for a plain `sh -c` child, measured right after: what the OS alone costs here. */
  plainExitSeen: { p50Ms: number; p99Ms: number };
  worstMs: number[];
  /** Samples where the loop was idle-waiting when the task exited (the others are left out). */
  idleSamples: number;
  tasks: number;
  /**
   * The same with one more task running throughout: each result is then held by the settle window (50 ms
   * of quiet, for others landing at about the same time). The figure above never is: nothing else runs.
   */
  withOtherRunning: { p50Ms: number; p99Ms: number; maxMs: number; samples: number };
}

// Long enough for the model's "waiting" turn to finish first, so the loop is idle when the task exits.
const TASK_SLEEP_S = 0.1;
const taskCommand = (i: number): string => `sleep ${TASK_SLEEP_S}; date +%s%N > .exit-${i}`;
/** Runs beside every measured task of the second pass, until the last result is in. */
const COMPANION = "while [ ! -e .all-done ]; do sleep 0.05; done";

function lastMessageJson(body: unknown): string {
  const messages = (body as { messages?: unknown[] } | null)?.messages;
  return JSON.stringify(messages?.at(-1) ?? null);
}

const stats = (values: number[]) => ({
  p50Ms: round(percentile(values, 50)),
  p99Ms: round(percentile(values, 99)),
});

interface Pass {
  total: number[];
  legs: Record<keyof LatencyResult["legs"], number[]>;
}

/**
 * Each task writes its exit timestamp (ns) as its last act; the fake API on loopback stamps the request that
 * carries the task's result. Sequential: start one task, end the turn, idle-wait, measure, start the next.
 * With `companion`, one more task runs from the first start until the last result is in.
 */
async function measurePass(workspace: string, tasks: number, companion: boolean): Promise<Pass> {
  const carried: { index: number; receivedAt: number; idle: boolean }[] = [];
  const calledAt: number[] = [];
  const startTask = (i: number): FakeReply =>
    toolReply([
      ...(companion && i === 0 ? [{ name: "background_run", input: { command: COMPANION } }] : []),
      { name: "background_run", input: { command: taskCommand(i) } },
    ]);
  const fake = await startFakeAnthropic((request, index) => {
    const last = lastMessageJson(request.body);
    const isToolResult = last.includes('"type":"tool_result"');
    // The companion's own result, once the measured tasks are done, is not a sample.
    if (carried.length >= tasks) return textReply("Done.");
    if (last.includes("<background-results>")) {
      const i = carried.push({ index, receivedAt: request.receivedAt, idle: !isToolResult }) - 1;
      if (i + 1 < tasks) return startTask(i + 1);
      if (companion) writeFileSync(join(workspace, ".all-done"), "");
      return textReply("All results are in.");
    }
    return isToolResult ? textReply("Started; I will be notified.") : startTask(0);
  });
  const anthropic = createAnthropicProvider({
    model: "fake",
    apiKey: "-",
    baseURL: fake.url,
    maxRetries: 0,
  });
  // One provider call is one HTTP request (no retries), so call n pairs with request n.
  const provider: ModelProvider = {
    ...anthropic,
    createTurn: (request, events) => (calledAt.push(Date.now()), anthropic.createTurn(request, events)),
  };
  const config = benchConfig({ max_turns: 10 * tasks, max_wait_ms: 30_000 });
  const session = new Session({
    workspace,
    env: process.env,
    ownerPid: process.pid,
    config,
    idleWake: true,
    emit: () => {},
    provider,
  });
  const endedAt = new Map<string, number>();
  session.lanes.subscribe((event) => {
    if (event.type === "task-end") endedAt.set(event.record.command, Date.parse(event.record.ended_at ?? ""));
  });
  try {
    await session.send("run the tasks one by one", AbortSignal.timeout(120_000));
  } finally {
    await session.close();
    await fake.close();
  }
  if (carried.length !== tasks) throw new Error(`latency: ${carried.length}/${tasks} results`);
  const pass: Pass = { total: [], legs: { exitSeen: [], providerCalled: [], requestReceived: [] } };
  carried.forEach(({ index, receivedAt, idle }, i) => {
    const exitMs = readExitStampMs(join(workspace, `.exit-${i}`));
    const seen = endedAt.get(taskCommand(i)) ?? Number.NaN;
    const called = calledAt[index] ?? Number.NaN;
    rmSync(join(workspace, `.exit-${i}`));
    if (!idle) return;
    pass.total.push(receivedAt - exitMs);
    pass.legs.exitSeen.push(seen - exitMs);
    pass.legs.providerCalled.push(called - seen);
    pass.legs.requestReceived.push(receivedAt - called);
  });
  return pass;
}

export async function benchCompletionLatency(context: BenchContext): Promise<LatencyResult> {
  const tasks = context.quick ? 20 : 100;
  return withWorkspace("latency", async (workspace) => {
    const { total, legs } = await measurePass(workspace, tasks, false);
    const other = (await measurePass(workspace, context.quick ? 10 : 50, true)).total;
    const result: LatencyResult = {
      ...stats(total),
      maxMs: round(Math.max(...total)),
      legs: {
        ...{ exitSeen: stats(legs.exitSeen), providerCalled: stats(legs.providerCalled) },
        requestReceived: stats(legs.requestReceived),
      },
      plainExitSeen: await plainExitSeen(workspace, tasks),
      worstMs: [...total]
        .sort((a, b) => b - a)
        .slice(0, 5)
        .map((ms) => round(ms)),
      idleSamples: total.length,
      tasks,
      withOtherRunning: { ...stats(other), maxMs: round(Math.max(...other)), samples: other.length },
    };
    context.log(`latency: p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms over ${total.length} idle tasks`);
    context.log(
      `latency with another task running: p50 ${result.withOtherRunning.p50Ms} ms, p99 ${result.withOtherRunning.p99Ms} ms`,
    );
    return result;
  });
}
