import { afterEach, describe, expect, it } from "vitest";
import { createAnthropicProvider } from "../../src/model/anthropic-provider.js";
import {
  startFakeAnthropic,
  textReply,
  toolReply,
  type FakeAnthropic,
} from "../helpers/fake-anthropic-server.js";
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
    expect(turn.usage).toEqual({ input_tokens: server.requests[0]?.usage?.input_tokens, output_tokens: 5 });
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
      system: "You are lanes.",
      stream: true,
    });
    expect(body.tools).toEqual([bashSpec]);
    expect(body.messages).toEqual(listFilesRequest.messages);
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
