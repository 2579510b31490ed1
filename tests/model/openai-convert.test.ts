import type { ChatCompletionChunk } from "openai/resources/chat/completions";
import { describe, expect, it } from "vitest";
import {
  toChatMessages,
  toChatParams,
  toChatTools,
  toToolArguments,
} from "../../src/model/openai-convert.js";
import { createTurnAssembler, parseToolArguments, toStopReason } from "../../src/model/openai-stream.js";
import type { Message, ModelRequest } from "../../src/model/types.js";
import type { ToolSpec } from "../../src/tools/define-tool.js";

const bashSpec: ToolSpec = {
  name: "bash",
  description: "Run a shell command",
  input_schema: { type: "object", properties: { command: { type: "string" } }, required: ["command"] },
};

const conversation: Message[] = [
  { role: "user", content: [{ type: "text", text: "run the tests" }] },
  {
    role: "assistant",
    content: [
      { type: "text", text: "Starting both." },
      { type: "tool_use", id: "call_1", name: "bash", input: { command: "npm test" } },
      { type: "tool_use", id: "call_2", name: "check_background", input: {} },
    ],
  },
  {
    role: "user",
    content: [
      { type: "tool_result", tool_use_id: "call_1", content: "2 passed" },
      { type: "text", text: "<background-results>\n[bg:t1] completed, exit 0\n</background-results>" },
      { type: "tool_result", tool_use_id: "call_2", content: "no tasks", is_error: true },
    ],
  },
  { role: "assistant", content: [{ type: "tool_use", id: "call_3", name: "bash", input: "{not json" }] },
  { role: "user", content: [{ type: "tool_result", tool_use_id: "call_3", content: "Invalid input" }] },
  { role: "assistant", content: [{ type: "text", text: "Done." }] },
];

/** Builds a chunk the way the real API shapes one: one choice with a delta, usage null until the end. */
function chunk(delta: object, finish_reason: string | null = null): ChatCompletionChunk {
  return {
    id: "c",
    object: "chat.completion.chunk",
    created: 0,
    model: "m",
    choices: [{ index: 0, delta, finish_reason, logprobs: null }],
  } as ChatCompletionChunk;
}

describe("Anthropic-shaped conversation to Chat Completions", () => {
  it("maps system, user text, assistant text with tool_calls, tool results in order, then the text", () => {
    expect(toChatMessages("You are lanes.", conversation)).toEqual([
      { role: "system", content: "You are lanes." },
      { role: "user", content: "run the tests" },
      {
        role: "assistant",
        content: "Starting both.",
        tool_calls: [
          { id: "call_1", type: "function", function: { name: "bash", arguments: '{"command":"npm test"}' } },
          { id: "call_2", type: "function", function: { name: "check_background", arguments: "{}" } },
        ],
      },
      { role: "tool", tool_call_id: "call_1", content: "2 passed" },
      { role: "tool", tool_call_id: "call_2", content: "Error: no tasks" },
      { role: "user", content: "<background-results>\n[bg:t1] completed, exit 0\n</background-results>" },
      {
        role: "assistant",
        content: null,
        tool_calls: [
          {
            id: "call_3",
            type: "function",
            function: { name: "bash", arguments: '{"raw_arguments":"{not json"}' },
          },
        ],
      },
      { role: "tool", tool_call_id: "call_3", content: "Invalid input" },
      { role: "assistant", content: "Done." },
    ]);
  });

  it("leaves out an empty system prompt and joins several text blocks of one message", () => {
    const messages: Message[] = [
      {
        role: "user",
        content: [
          { type: "text", text: "first" },
          { type: "text", text: "second" },
        ],
      },
    ];
    expect(toChatMessages("", messages)).toEqual([{ role: "user", content: "first\n\nsecond" }]);
  });

  it("turns tool specs into function tools with the JSON Schema as parameters", () => {
    expect(toChatTools([bashSpec])).toEqual([
      {
        type: "function",
        function: { name: "bash", description: "Run a shell command", parameters: bashSpec.input_schema },
      },
    ]);
  });

  it("builds a streaming request with usage, the chosen max-tokens field, and no empty tools array", () => {
    const request: ModelRequest = {
      system: "s",
      messages: conversation.slice(0, 1),
      tools: [],
      maxTokens: 99,
    };

    const local = toChatParams("local-model", request, "max_tokens");
    const hosted = toChatParams("gpt-x", { ...request, tools: [bashSpec] }, "max_completion_tokens");

    expect(local).toEqual({
      model: "local-model",
      messages: [
        { role: "system", content: "s" },
        { role: "user", content: "run the tests" },
      ],
      max_tokens: 99,
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(hosted).toMatchObject({ max_completion_tokens: 99, tools: toChatTools([bashSpec]) });
    expect(hosted).not.toHaveProperty("max_tokens");
  });

  it("round-trips tool input through arguments: what goes out parses back to the same input", () => {
    for (const input of [
      { command: "ls -la", timeout_ms: 5000 },
      {},
      { nested: { list: [1, "two", null] } },
    ]) {
      expect(parseToolArguments(toToolArguments(input))).toEqual(input);
    }
  });
});

describe("streamed chunks to a ModelTurn", () => {
  it("parses arguments, reads empty arguments as {}, and passes invalid JSON through as the raw string", () => {
    expect(parseToolArguments('{"command":"ls"}')).toEqual({ command: "ls" });
    expect(parseToolArguments("  ")).toEqual({});
    expect(parseToolArguments('{"command": "ls"')).toBe('{"command": "ls"');
  });

  it("maps finish reasons to the loop's stop reasons, and a 'stop' with tool calls to tool_use", () => {
    expect(toStopReason("tool_calls", true)).toBe("tool_use");
    expect(toStopReason("stop", false)).toBe("end_turn");
    expect(toStopReason("length", false)).toBe("max_tokens");
    expect(toStopReason("stop", true)).toBe("tool_use");
    expect(toStopReason("something_new", false)).toBe("something_new");
  });

  it("assembles interleaved tool call deltas by index, and returns each text delta as it arrives", () => {
    const assembler = createTurnAssembler();
    const deltas = [
      chunk({ role: "assistant", content: "" }),
      chunk({ content: "Look" }),
      chunk({ content: "ing." }),
      chunk({
        tool_calls: [{ index: 0, id: "call_a", type: "function", function: { name: "bash", arguments: "" } }],
      }),
      chunk({ tool_calls: [{ index: 1, id: "call_b", type: "function", function: { name: "read_file" } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"comm' } }] }),
      chunk({ tool_calls: [{ index: 1, function: { arguments: '{"path":"a.ts"}' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: 'and":"ls"}' } }] }),
      chunk({}, "tool_calls"),
    ].map((item) => assembler.add(item));
    assembler.add({
      ...chunk({}),
      choices: [],
      usage: { prompt_tokens: 30, completion_tokens: 4, total_tokens: 34 },
    });

    expect(deltas.filter((text) => text !== "")).toEqual(["Look", "ing."]);
    expect(assembler.finished).toBe(true);
    expect(assembler.turn()).toEqual({
      content: [
        { type: "text", text: "Looking." },
        { type: "tool_use", id: "call_a", name: "bash", input: { command: "ls" } },
        { type: "tool_use", id: "call_b", name: "read_file", input: { path: "a.ts" } },
      ],
      stopReason: "tool_use",
      usage: {
        input_tokens: 30,
        output_tokens: 4,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
      },
    });
  });

  it("gives a call without an id one of its own, and reports a stream without finish_reason as unfinished", () => {
    const assembler = createTurnAssembler();
    assembler.add(
      chunk({ tool_calls: [{ index: 0, function: { name: "check_background", arguments: "{}" } }] }),
    );

    expect(assembler.finished).toBe(false);
    const [call] = assembler.turn().content;
    expect(call).toMatchObject({ type: "tool_use", name: "check_background", input: {} });
    expect(call?.type === "tool_use" && call.id).toMatch(/^call_\w+$/);
  });
});
