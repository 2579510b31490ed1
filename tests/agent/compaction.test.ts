import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AgentEvent } from "../../src/agent/events.js";
import { ConfigSchema } from "../../src/config/config.js";
import { createAnthropicProvider } from "../../src/model/anthropic-provider.js";
import { Session } from "../../src/session/session.js";
import { lastUserText, resultLinesFor } from "../helpers/conversation-checks.js";
import {
  startFakeAnthropic,
  textReply,
  toolReply,
  type CapturedRequest,
  type FakeAnthropic,
  type FakeHandler,
} from "../helpers/fake-anthropic-server.js";
import { tempWorkspace } from "../helpers/temp-workspace.js";
import { createOpenAIProvider } from "../../src/model/openai-provider.js";
import {
  startFakeOpenAI,
  textReply as openAIText,
  toolReply as openAITools,
} from "../helpers/fake-openai-server.js";

let ws: { dir: string; cleanup: () => void };
let server: FakeAnthropic | undefined;
const sessions: Session[] = [];
beforeEach(() => (ws = tempWorkspace()));
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((session) => session.close()));
  await server?.close();
  server = undefined;
  ws.cleanup();
});

/** A command printing `chars` characters: each turn's large tool result. */
const printing = (chars: number, tag: string) =>
  `printf '${tag}'; head -c ${chars} /dev/zero | tr '\\0' a; echo`;
const isSummaryRequest = (request: CapturedRequest) =>
  lastUserText(request).includes("[lanes: context compaction]");
const answered = (request: CapturedRequest) => request.usage !== undefined;
const promptOf = (request: CapturedRequest) =>
  ["input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"]
    .map((field) => request.usage?.[field] ?? 0)
    .reduce((a, b) => a + b);

async function run(options: {
  handler: FakeHandler;
  fakeWindow: number;
  config: Record<string, unknown>;
}): Promise<{ events: AgentEvent[]; session: Session; stop: string }> {
  server = await startFakeAnthropic(options.handler, { contextWindow: options.fakeWindow });
  const events: AgentEvent[] = [];
  const session = new Session({
    workspace: ws.dir,
    env: process.env,
    ownerPid: process.pid,
    config: ConfigSchema.parse(options.config),
    idleWake: true,
    emit: (event) => events.push(event),
    provider: createAnthropicProvider({ model: "m", apiKey: "sk-test", baseURL: server.url }),
  });
  sessions.push(session);
  const result = await session.send("work through the list", new AbortController().signal);
  return { events, session, stop: result.stop };
}

const compactions = (events: AgentEvent[]) =>
  events.filter((event): event is Extract<AgentEvent, { type: "compaction" }> => event.type === "compaction");

describe("compaction", () => {
  it("before a request would pass compact_at: old outputs become stubs naming their file, no request is refused, caching resumes at once", async () => {
    const { events, stop } = await run({
      fakeWindow: 20_000,
      config: { context_window: 20_000 },
      handler: (_request, index) =>
        index < 14
          ? toolReply([{ name: "bash", input: { command: printing(6000, `out${index}:`) } }])
          : textReply("done"),
    });
    const requests = server!.requests;
    expect(stop).toBe("end_turn");
    expect(requests.every(answered)).toBe(true);
    const [first] = compactions(events);
    expect(first).toMatchObject({ reason: "threshold", summarised_messages: 0 });
    expect(first!.stubbed_results).toBeGreaterThan(0);
    expect(first!.after_tokens).toBeLessThan(10_000);
    const last = JSON.stringify(requests.at(-1)?.body);
    const path = /its full text is in ([^\s\]]+)/.exec(last)?.[1];
    expect(path).toBeDefined();
    expect(readFileSync(join(ws.dir, path!), "utf8")).toContain("out0:aaaa");
    // The request after the one that wrote the compacted prompt reads all of it.
    const rewritten = requests.findIndex((request) =>
      JSON.stringify(request.body).includes("was cleared from the conversation"),
    );
    expect(requests[rewritten + 1]?.usage?.cache_read_input_tokens).toBe(promptOf(requests[rewritten]!));
  });

  it("a prompt refused as too long is compacted and sent once more", async () => {
    const { events, stop } = await run({
      fakeWindow: 12_000,
      config: { context_window: 1_000_000 },
      handler: (_request, index) =>
        index < 9
          ? toolReply([{ name: "bash", input: { command: printing(6000, `r${index}:`) } }])
          : textReply("done"),
    });
    expect(stop).toBe("end_turn");
    const refused = server!.requests
      .map((request, index) => (answered(request) ? -1 : index))
      .filter((i) => i >= 0);
    expect(refused.length).toBeGreaterThan(0);
    // Never two refusals in a row: the one retry after compaction fitted.
    for (const index of refused) expect(answered(server!.requests[index + 1]!)).toBe(true);
    expect(compactions(events).map((event) => event.reason)).toContain("refused");
  });

  it("summarises older turns when stubs are not enough; a result delivered before is not delivered again, one finishing after is delivered once, a running task stays known", async () => {
    const gate = join(ws.dir, "gate");
    const handler: FakeHandler = (request, index) => {
      if (isSummaryRequest(request)) {
        writeFileSync(gate, "");
        return textReply("SUMMARY-OF-EARLIER-WORK");
      }
      if (index === 0)
        return toolReply([{ name: "background_run", input: { command: "echo early-result" } }]);
      if (index === 1)
        return toolReply([
          {
            name: "background_run",
            input: { command: `while [ ! -e ${gate} ]; do sleep 0.05; done; echo "late""-result"` },
          },
        ]);
      if (JSON.stringify(request.body).includes("late-result") || index > 30) return textReply("done");
      return toolReply([{ name: "bash", input: { command: printing(6000, `s${index}:`) } }]);
    };
    const { events, stop, session } = await run({
      fakeWindow: 12_000,
      config: { context_window: 12_000 },
      handler,
    });
    const requests = server!.requests;
    expect(stop).toBe("end_turn");
    expect(requests.every(answered)).toBe(true);
    const summarised = compactions(events).find((event) => event.summarised_messages > 0);
    expect(summarised).toBeDefined();
    const afterSummary = requests.find(
      (request) =>
        !isSummaryRequest(request) && JSON.stringify(request.body).includes("SUMMARY-OF-EARLIER-WORK"),
    );
    const firstMessage = JSON.stringify(afterSummary?.body.messages[0]);
    expect(firstMessage).toContain("<running-tasks>");
    const [early, late] = session.lanes.list().sort((a, b) => a.created_at.localeCompare(b.created_at));
    expect(firstMessage).toContain(`[bg:${late!.id}] still running`);
    const deliveries = (id: string) =>
      events.filter((event) => event.type === "background-results" && event.task_ids.includes(id)).length;
    expect(deliveries(early!.id)).toBe(1);
    expect(deliveries(late!.id)).toBe(1);
    const final = requests.at(-1)!;
    expect(resultLinesFor(final, late!.id)).toBe(1);
    expect(resultLinesFor(final, early!.id)).toBe(0);
    expect(existsSync(gate)).toBe(true);
  });

  it("an OpenAI-compatible server's context_length_exceeded is compacted and sent once more; cached tokens are reported", async () => {
    const openai = await startFakeOpenAI(
      (_request, index) =>
        index < 9
          ? openAITools([{ name: "bash", arguments: { command: printing(6000, `o${index}:`) } }])
          : openAIText("done"),
      { contextWindow: 12_000 },
    );
    const events: AgentEvent[] = [];
    const session = new Session({
      workspace: ws.dir,
      env: process.env,
      ownerPid: process.pid,
      config: ConfigSchema.parse({ context_window: 1_000_000 }),
      idleWake: true,
      emit: (event) => events.push(event),
      provider: createOpenAIProvider({ model: "m", apiKey: "k", baseURL: openai.baseURL }),
    });
    sessions.push(session);
    try {
      const result = await session.send("go", new AbortController().signal);
      expect(result.stop).toBe("end_turn");
      expect(compactions(events).map((event) => event.reason)).toContain("refused");
      expect(openai.requests.some((request) => request.usage === undefined)).toBe(true);
      expect(result.usage.cache_read_input_tokens).toBeGreaterThan(0);
    } finally {
      await openai.close();
    }
  });
});
