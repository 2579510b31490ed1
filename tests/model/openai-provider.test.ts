import { afterEach, describe, expect, it } from "vitest";
import { createOpenAIProvider, PLACEHOLDER_API_KEY } from "../../src/model/openai-provider.js";
import { startFakeOpenAI, textReply, toolReply, type FakeOpenAI } from "../helpers/fake-openai-server.js";
import { bashSpec, listFilesRequest } from "./list-files-request.js";

let server: FakeOpenAI | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function provider(fake: FakeOpenAI, credential: { apiKey?: string } = { apiKey: "sk-test" }) {
  return createOpenAIProvider({ model: "local-model", ...credential, baseURL: fake.baseURL });
}

describe("openai provider over a real HTTP stream", () => {
  it("streams text deltas in order and ends the turn with end_turn", async () => {
    server = await startFakeOpenAI(() => textReply("Hello from a local model."));
    const deltas: string[] = [];

    const turn = await provider(server).createTurn(listFilesRequest, {
      onTextDelta: (text) => deltas.push(text),
    });

    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join("")).toBe("Hello from a local model.");
    expect(turn.content).toEqual([{ type: "text", text: "Hello from a local model." }]);
    expect(turn.stopReason).toBe("end_turn");
  });

  it("assembles tool calls whose arguments arrive split across chunks, with parsed input", async () => {
    server = await startFakeOpenAI(() =>
      toolReply(
        [
          { id: "call_ls", name: "bash", arguments: { command: "ls -la", timeout_ms: 5000 } },
          { id: "call_bg", name: "background_run", arguments: { command: "sleep 1 && echo done" } },
        ],
        "Let me look.",
      ),
    );

    const turn = await provider(server).createTurn(listFilesRequest);

    expect(turn.content).toEqual([
      { type: "text", text: "Let me look." },
      { type: "tool_use", id: "call_ls", name: "bash", input: { command: "ls -la", timeout_ms: 5000 } },
      { type: "tool_use", id: "call_bg", name: "background_run", input: { command: "sleep 1 && echo done" } },
    ]);
    expect(turn.stopReason).toBe("tool_use");
  });

  it("passes arguments that are not JSON through as the raw string instead of failing", async () => {
    server = await startFakeOpenAI(() =>
      toolReply([{ id: "call_bad", name: "bash", arguments: '{"command": "ls", oops' }]),
    );

    const turn = await provider(server).createTurn(listFilesRequest);

    expect(turn.content).toEqual([
      { type: "tool_use", id: "call_bad", name: "bash", input: '{"command": "ls", oops' },
    ]);
  });

  it("maps usage from the final chunk, and reports 0 tokens when the server sends none", async () => {
    server = await startFakeOpenAI((_request, index) =>
      index === 0
        ? textReply("counted", { prompt_tokens: 321, completion_tokens: 45, cached_tokens: 256 })
        : textReply("uncounted", null),
    );

    expect((await provider(server).createTurn(listFilesRequest)).usage).toEqual({
      input_tokens: 65,
      output_tokens: 45,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 256,
    });
    expect((await provider(server).createTurn(listFilesRequest)).usage).toEqual({
      input_tokens: 0,
      output_tokens: 0,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
    });
  });

  it("maps finish_reason length to max_tokens", async () => {
    server = await startFakeOpenAI(() => ({ kind: "message", text: "cut sho", finish_reason: "length" }));

    expect((await provider(server).createTurn(listFilesRequest)).stopReason).toBe("max_tokens");
  });

  it("sends model, messages, tools, max_tokens and streaming with usage to a compatible server", async () => {
    server = await startFakeOpenAI(() => textReply("ok"));

    await provider(server).createTurn(listFilesRequest);

    const body = server.requests[0]?.body;
    expect(body).toEqual({
      model: "local-model",
      messages: [
        { role: "system", content: "You are lanes." },
        { role: "user", content: "list the files" },
      ],
      tools: [
        {
          type: "function",
          function: { name: "bash", description: "Run a shell command", parameters: bashSpec.input_schema },
        },
      ],
      max_tokens: 1234,
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it("sends the API key as a bearer token, and a placeholder when there is none", async () => {
    server = await startFakeOpenAI(() => textReply("ok"));

    await provider(server, { apiKey: "sk-test-KEY" }).createTurn(listFilesRequest);
    await provider(server, {}).createTurn(listFilesRequest);

    expect(server.requests[0]?.headers["authorization"]).toBe("Bearer sk-test-KEY");
    expect(server.requests[1]?.headers["authorization"]).toBe(`Bearer ${PLACEHOLDER_API_KEY}`);
  });
});
