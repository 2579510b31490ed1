import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import { startFakeAnthropic, textReply, type FakeAnthropic } from "../helpers/fake-anthropic-server.js";
import { startFakeOpenAI, textReply as openAIText, type FakeOpenAI } from "../helpers/fake-openai-server.js";

// The fakes' caching is what every cache figure in the suite and the bench rests on, so it is tested
// through the real SDKs, rule by rule.

let servers: (FakeAnthropic | FakeOpenAI)[] = [];
afterEach(async () => {
  await Promise.all(servers.map((server) => server.close()));
  servers = [];
});

type Block = Anthropic.TextBlockParam;
const cached = { type: "ephemeral" } as const;
/** A text block of about `tokens` tokens (chars / 4). */
const big = (tag: string, tokens: number): Block => ({ type: "text", text: tag.padEnd(tokens * 4, ".") });

async function anthropic(options: Parameters<typeof startFakeAnthropic>[1] = {}) {
  const server = await startFakeAnthropic(() => textReply("ok"), options);
  servers.push(server);
  const client = new Anthropic({ apiKey: "sk-test", baseURL: server.url, maxRetries: 0 });
  const send = async (system: Block[], user: Block[]) =>
    (
      await client.messages.create({
        model: "m",
        max_tokens: 10,
        system,
        messages: [{ role: "user", content: user }],
      })
    ).usage;
  return { server, send };
}

describe("fake Messages API prompt caching", () => {
  it("writes at a breakpoint and reads that prefix next time; blocks after it are plain input", async () => {
    const { send } = await anthropic();
    const system = [{ ...big("sys", 1200), cache_control: cached }];
    const first = await send(system, [big("a", 100)]);
    expect(first.cache_creation_input_tokens).toBeGreaterThanOrEqual(1200);
    expect(first.cache_read_input_tokens).toBe(0);
    expect(first.input_tokens).toBeGreaterThan(100);
    const second = await send(system, [big("b", 100)]);
    expect(second).toMatchObject({
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: first.cache_creation_input_tokens,
    });
    expect(second.input_tokens).toBe(first.input_tokens);
  });

  it("reads a prefix ending up to 20 blocks before a breakpoint, not 21", async () => {
    const { send } = await anthropic();
    const head = [big("sys", 1100)];
    const small = (tag: string, n: number): Block[] =>
      Array.from({ length: n }, (_, i) => big(`${tag}${i}`, 5));
    await send([{ ...head[0]!, cache_control: cached }], [big("x", 5)]);
    const within = small("m", 20);
    within[19] = { ...within[19]!, cache_control: cached };
    expect((await send(head, within)).cache_read_input_tokens).toBeGreaterThan(1100);
    const beyond = small("n", 21).map((b, i) => (i === 20 ? { ...b, cache_control: cached } : b));
    // The system block sits 21 blocks before the only breakpoint: out of the lookback window.
    expect((await send(head, beyond)).cache_read_input_tokens).toBe(0);
  });

  it("never caches a prefix under 1,024 tokens", async () => {
    const { send } = await anthropic();
    const system = [{ ...big("sys", 1000), cache_control: cached }];
    await send(system, [big("a", 5)]);
    const again = await send(system, [big("a", 5)]);
    expect(again).toMatchObject({ cache_creation_input_tokens: 0, cache_read_input_tokens: 0 });
  });

  it("forgets a prefix 5 minutes after it was last written or read", async () => {
    let now = 0;
    const { send } = await anthropic({ now: () => now });
    const system = [{ ...big("sys", 1100), cache_control: cached }];
    await send(system, [big("a", 5)]);
    now = 4 * 60_000;
    expect((await send(system, [big("a", 5)])).cache_read_input_tokens).toBeGreaterThan(0);
    now = 8 * 60_000; // 4 minutes after the read renewed it
    expect((await send(system, [big("a", 5)])).cache_read_input_tokens).toBeGreaterThan(0);
    now = 14 * 60_000;
    expect((await send(system, [big("a", 5)])).cache_read_input_tokens).toBe(0);
  });

  it("refuses more than 4 breakpoints and a prompt over the context window with a 400", async () => {
    const { server, send } = await anthropic({ contextWindow: 2000 });
    const five = Array.from({ length: 5 }, (_, i) => ({ ...big(`s${i}`, 10), cache_control: cached }));
    await expect(send(five, [big("a", 5)])).rejects.toMatchObject({ status: 400 });
    await expect(send([big("sys", 2500)], [big("a", 5)])).rejects.toThrow(/prompt is too long/);
    expect(server.requests).toHaveLength(2);
  });
});

describe("fake OpenAI automatic prefix caching", () => {
  it("reports cached prompt tokens for a repeated prefix and refuses an over-long prompt", async () => {
    const server = await startFakeOpenAI(() => openAIText("ok"), { contextWindow: 5000 });
    servers.push(server);
    const client = new OpenAI({ apiKey: "k", baseURL: server.baseURL, maxRetries: 0 });
    const long = "x".repeat(6000);
    const ask = (messages: OpenAI.ChatCompletionMessageParam[]) =>
      client.chat.completions.create({ model: "m", messages });
    const first = await ask([
      { role: "system", content: long },
      { role: "user", content: "a" },
    ]);
    expect(first.usage?.prompt_tokens_details?.cached_tokens).toBe(0);
    const second = await ask([
      { role: "system", content: long },
      { role: "user", content: "b" },
    ]);
    expect(second.usage?.prompt_tokens_details?.cached_tokens).toBe(1408);
    expect(second.usage?.prompt_tokens).toBeGreaterThan(1500);
    await expect(ask([{ role: "user", content: "y".repeat(30_000) }])).rejects.toMatchObject({
      status: 400,
      code: "context_length_exceeded",
    });
  });
});
