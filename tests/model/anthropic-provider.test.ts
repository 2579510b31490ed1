import { afterEach, describe, expect, it } from "vitest";
import { createAnthropicProvider } from "../../src/model/anthropic-provider.js";
import {
  startFakeAnthropic,
  textReply,
  toolReply,
  type FakeAnthropic,
} from "../helpers/fake-anthropic-server.js";
import type { Message, Usage } from "../../src/model/types.js";
import { bashSpec, listFilesRequest } from "./list-files-request.js";

/** SDK 1.x sends an API key as a bearer token, older ones as x-api-key: accept either. */
function sentCredential(headers: Record<string, string>): string | undefined {
  return headers["x-api-key"] ?? headers["authorization"]?.replace(/^Bearer /, "");
}

let server: FakeAnthropic | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("anthropic provider over a real HTTP stream", () => {
  it("streams text deltas in order and returns text plus tool_use with parsed input", async () => {
    server = await startFakeAnthropic(() =>
      toolReply(
        [{ name: "bash", input: { command: "ls -la", timeout_ms: 5000 } }],
        "Let me look at the files.",
      ),
    );
    const provider = createAnthropicProvider({
      model: "claude-test",
      apiKey: "sk-test",
      baseURL: server.url,
    });
    const deltas: string[] = [];

    const turn = await provider.createTurn(listFilesRequest, { onTextDelta: (text) => deltas.push(text) });

    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join("")).toBe("Let me look at the files.");
    expect(turn.content).toEqual([
      { type: "text", text: "Let me look at the files." },
      { type: "tool_use", id: "toolu_1", name: "bash", input: { command: "ls -la", timeout_ms: 5000 } },
    ]);
    expect(turn.stopReason).toBe("tool_use");
    expect(turn.usage).toEqual({
      input_tokens: server.requests[0]?.usage?.input_tokens,
      output_tokens: 5,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
    });
  });

  it("sends model, max_tokens, system, tools, messages and stream: true in the request body", async () => {
    server = await startFakeAnthropic(() => textReply("ok"));
    const provider = createAnthropicProvider({
      model: "claude-test",
      apiKey: "sk-test",
      baseURL: server.url,
    });

    await provider.createTurn(listFilesRequest);

    const body = server.requests[0]?.body;
    expect(body).toMatchObject({
      model: "claude-test",
      max_tokens: 1234,
      system: [{ type: "text", text: "You are lanes.", cache_control: { type: "ephemeral" } }],
      stream: true,
    });
    expect(body.tools).toEqual([bashSpec]);
    // The only user message ends with a breakpoint; otherwise the messages are as given.
    const [first] = listFilesRequest.messages;
    const lastBlock = first?.content.at(-1);
    expect(body.messages).toEqual([
      {
        ...first,
        content: [
          ...(first?.content.slice(0, -1) ?? []),
          { ...lastBlock, cache_control: { type: "ephemeral" } },
        ],
      },
    ]);
    expect(listFilesRequest.messages[0]?.content.at(-1)).not.toHaveProperty("cache_control");
  });

  it("caches the prefix: each request reads all the previous one wrote, through the fake's cache rules", async () => {
    server = await startFakeAnthropic(() => textReply("ok"));
    const provider = createAnthropicProvider({ model: "m", apiKey: "sk-test", baseURL: server.url });
    const big = (text: string) => ({ type: "text" as const, text: text.padEnd(6000, ".") });
    const messages: Message[] = [{ role: "user", content: [big("first")] }];
    const system = "S".repeat(5000);
    const usages: Usage[] = [];
    for (let turn = 0; turn < 4; turn++) {
      usages.push((await provider.createTurn({ system, messages, tools: [bashSpec], maxTokens: 100 })).usage);
      messages.push({ role: "assistant", content: [{ type: "text", text: `answer ${turn}` }] });
      // Many blocks at once: more than the API's 20-block lookback from the last breakpoint.
      messages.push({ role: "user", content: Array.from({ length: 25 }, (_, i) => big(`t${turn} ${i}`)) });
    }
    const bodies = server.requests.map((request) => request.body);
    for (const body of bodies) {
      const marks = JSON.stringify(body).split('"cache_control"').length - 1;
      expect(marks).toBeLessThanOrEqual(3);
    }
    for (let i = 1; i < usages.length; i++) {
      const previous = usages[i - 1]!;
      expect(usages[i]?.cache_read_input_tokens).toBe(
        previous.cache_read_input_tokens + previous.cache_creation_input_tokens + previous.input_tokens,
      );
    }
  });

  it("delivers the API key to the server in its auth header", async () => {
    server = await startFakeAnthropic(() => textReply("ok"));
    const provider = createAnthropicProvider({ model: "m", apiKey: "sk-test-KEY", baseURL: server.url });

    await provider.createTurn(listFilesRequest);

    expect(sentCredential(server.requests[0]?.headers ?? {})).toBe("sk-test-KEY");
  });

  it("delivers an auth token to the server as Authorization: Bearer", async () => {
    server = await startFakeAnthropic(() => textReply("ok"));
    const provider = createAnthropicProvider({ model: "m", authToken: "tok-test", baseURL: server.url });

    await provider.createTurn(listFilesRequest);

    expect(server.requests[0]?.headers["authorization"]).toBe("Bearer tok-test");
  });

  it("returns end_turn with only a text block when the model calls no tool", async () => {
    server = await startFakeAnthropic(() => textReply("All done."));
    const provider = createAnthropicProvider({ model: "m", apiKey: "sk-test", baseURL: server.url });

    const turn = await provider.createTurn(listFilesRequest);

    expect(turn).toMatchObject({ content: [{ type: "text", text: "All done." }], stopReason: "end_turn" });
  });
});
