import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { AgentEvent } from "../src/agent/events.js";
import { createAnthropicProvider } from "../src/model/anthropic-provider.js";
import { Session } from "../src/session/session.js";
import {
  startFakeAnthropic,
  textReply,
  toolReply,
  type CapturedRequest,
  type FakeHandler,
} from "../tests/helpers/fake-anthropic-server.js";
import { benchConfig, round, withWorkspace, type BenchContext } from "./support.js";

/** Anthropic's price ratios for prompt tokens: uncached 1, cache write 1.25, cache read 0.1. */
const PRICE = { input: 1, write: 1.25, read: 0.1 };

export interface LongSessionRun {
  turns: number;
  requests: number;
  refused: number;
  compactions: number;
  /** Requests after the first whose cache read covered the whole previous prompt (compaction's rewrite aside). */
  readWholePrevious: number;
  /** Prompt tokens of all requests, and the share read from cache. */
  promptTokens: number;
  readShare: number;
  /** Token-units at the price ratios, and that over the same requests uncached. */
  units: number;
  costRatio: number;
  /** Background results the model got, per task: each should be 1. */
  deliveries: number[];
  finished: boolean;
}

export interface LongSessionResult {
  short: LongSessionRun;
  long: LongSessionRun;
  veryLong: LongSessionRun;
}

const billed = (request: CapturedRequest, field: string): number => request.usage?.[field] ?? 0;
const prompt = (request: CapturedRequest): number =>
  billed(request, "input_tokens") +
  billed(request, "cache_creation_input_tokens") +
  billed(request, "cache_read_input_tokens");

/** A workspace script printing about `bytes` bytes of test-runner-like lines for step N; the command stays short, as `npm test -- x` would. */
function stepScript(bytes: number): string {
  return `yes "step $1: PASS src/module-$1.test.ts > renders the widget in 12 ms" | head -c ${bytes}\n`;
}

interface Script {
  turns: number;
  outputBytes: number;
  jobs: number;
  window: number;
}

/**
 * A scripted session through the real Session, the real Anthropic SDK and the fake Messages API, whose
 * prompt cache and context window follow Anthropic's rules: one command per turn, the first turns also
 * starting one background job each; a compaction's summary request is answered with a short summary.
 */
async function runScript(script: Script, context: BenchContext, name: string): Promise<LongSessionRun> {
  return withWorkspace(name, async (workspace) => {
    writeFileSync(join(workspace, "step.sh"), stepScript(script.outputBytes));
    let turn = 0;
    const handler: FakeHandler = (request) => {
      const last = JSON.stringify(request.body.messages.at(-1));
      if (last.includes("[lanes: context compaction]")) return textReply(`Summary: ran turns up to ${turn}.`);
      turn++;
      if (turn > script.turns) return textReply("All turns done.");
      // Each turn runs one command; the first turns also start one background job each.
      const calls = [{ name: "bash", input: { command: `sh step.sh ${turn}` } }];
      if (turn <= script.jobs) {
        calls.push({
          name: "background_run",
          input: { command: `sleep ${1 + turn}; echo job ${turn} finished` },
        });
      }
      return toolReply(calls);
    };
    const server = await startFakeAnthropic(handler, { contextWindow: script.window });
    const events: AgentEvent[] = [];
    const session = new Session({
      workspace,
      env: process.env,
      ownerPid: process.pid,
      config: benchConfig({ context_window: script.window, max_turns: script.turns + 20 }),
      idleWake: true,
      emit: (event) => events.push(event),
      provider: createAnthropicProvider({ model: "bench", apiKey: "sk-bench", baseURL: server.url }),
    });
    let finished = false;
    try {
      const result = await session.send("Work through the scripted session.", new AbortController().signal);
      finished = result.stop === "end_turn";
    } catch (error) {
      context.log(`${name}: ${(error as Error).message}`);
    } finally {
      await session.close();
      await server.close();
    }
    const requests = server.requests;
    const answered = requests.filter((request) => request.usage !== undefined);
    let readWholePrevious = 0;
    for (let i = 1; i < answered.length; i++) {
      if (billed(answered[i]!, "cache_read_input_tokens") >= prompt(answered[i - 1]!)) readWholePrevious++;
    }
    const promptTokens = answered.reduce((sum, request) => sum + prompt(request), 0);
    const read = answered.reduce((sum, request) => sum + billed(request, "cache_read_input_tokens"), 0);
    const units = answered.reduce(
      (sum, request) =>
        sum +
        PRICE.input * billed(request, "input_tokens") +
        PRICE.write * billed(request, "cache_creation_input_tokens") +
        PRICE.read * billed(request, "cache_read_input_tokens"),
      0,
    );
    const perTask = new Map<string, number>();
    for (const event of events) {
      if (event.type !== "background-results") continue;
      for (const id of event.task_ids) perTask.set(id, (perTask.get(id) ?? 0) + 1);
    }
    const run: LongSessionRun = {
      turns: script.turns,
      requests: requests.length,
      refused: requests.length - answered.length,
      compactions: events.filter((event) => event.type === "compaction").length,
      readWholePrevious,
      promptTokens,
      readShare: round(read / Math.max(1, promptTokens), 3),
      units: Math.round(units),
      costRatio: round(units / Math.max(1, promptTokens), 3),
      deliveries: [...perTask.values()],
      finished,
    };
    context.log(`${name}: ${JSON.stringify(run)}`);
    return run;
  });
}

/**
 * Issue 11's sessions: 30 turns of ~2.4 KB outputs with two background jobs (caching), 40 turns of ~24 KB
 * with three under a 200,000-token window (compaction), and 200 turns under 100,000.
 */
export async function benchLongSession(context: BenchContext): Promise<LongSessionResult> {
  const short = await runScript(
    { turns: 30, outputBytes: 2_400, jobs: 2, window: 200_000 },
    context,
    "cache-30",
  );
  const long = await runScript(
    { turns: 40, outputBytes: 24_000, jobs: 3, window: 200_000 },
    context,
    "compact-40",
  );
  const veryLong = await runScript(
    { turns: context.quick ? 60 : 200, outputBytes: 24_000, jobs: 3, window: 100_000 },
    context,
    "compact-200",
  );
  return { short, long, veryLong };
}
