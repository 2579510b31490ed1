import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createScriptProvider, createScriptProviderFromTurns } from "../../src/model/script-provider.js";
import { ModelError, type Message, type ModelRequest } from "../../src/model/types.js";

function requestWith(messages: Message[], signal?: AbortSignal): ModelRequest {
  return { system: "sys", messages, tools: [], maxTokens: 100, signal };
}
const hello = requestWith([{ role: "user", content: [{ type: "text", text: "hello" }] }]);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "lanes-script-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function scriptFile(content: unknown): string {
  const file = path.join(dir, "script.json");
  writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content));
  return file;
}

describe("script provider", () => {
  it("replays turns in order with tool ids script_<turn>_<i> and the matching stop reasons", async () => {
    const provider = createScriptProvider(
      scriptFile({
        turns: [
          {
            text: "Starting.",
            tool_calls: [
              { name: "bash", input: { command: "ls" } },
              { name: "read_file", input: { path: "a" } },
            ],
          },
          { text: "Done." },
        ],
      }),
    );

    const first = await provider.createTurn(hello);
    const second = await provider.createTurn(hello);

    expect(first.content).toEqual([
      { type: "text", text: "Starting." },
      { type: "tool_use", id: "script_0_0", name: "bash", input: { command: "ls" } },
      { type: "tool_use", id: "script_0_1", name: "read_file", input: { path: "a" } },
    ]);
    expect(first.stopReason).toBe("tool_use");
    expect(second).toMatchObject({ content: [{ type: "text", text: "Done." }], stopReason: "end_turn" });
    expect(second.usage.input_tokens).toBeGreaterThan(0);
    expect(second.usage.output_tokens).toBeGreaterThan(0);
  });

  it("streams a turn's text through onTextDelta in several chunks without splitting characters", async () => {
    const text = "Héllo 🌍 wörld, this is a scripted answer";
    const provider = createScriptProviderFromTurns([{ text }]);
    const deltas: string[] = [];

    await provider.createTurn(hello, { onTextDelta: (delta) => deltas.push(delta) });

    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join("")).toBe(text);
    expect(deltas.every((delta) => !/[\uD800-\uDBFF]$/.test(delta))).toBe(true);
  });

  it("waits delay_ms before answering", async () => {
    const provider = createScriptProviderFromTurns([{ text: "late", delay_ms: 150 }]);

    const started = Date.now();
    await provider.createTurn(hello);

    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it("aborts during delay_ms with kind aborted and replays that turn on the next call", async () => {
    // The replay waits the delay again, so it is kept short: the suite waits it out once.
    const provider = createScriptProviderFromTurns([{ text: "slow", delay_ms: 3_000 }, { text: "next" }]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);

    const started = Date.now();
    const error: unknown = await provider
      .createTurn(requestWith(hello.messages, controller.signal))
      .catch((e) => e);

    expect(error).toBeInstanceOf(ModelError);
    expect(error).toMatchObject({ kind: "aborted" });
    // Well below the 3 s delay: the abort cut it short.
    expect(Date.now() - started).toBeLessThan(1_500);
    const replayed = Date.now();
    expect((await provider.createTurn(hello)).content).toEqual([{ type: "text", text: "slow" }]);
    // The replayed turn is the whole turn, its delay included.
    expect(Date.now() - replayed).toBeGreaterThanOrEqual(2_900);
  });

  it("after the last turn lists the lines of a <background-results> block in the last user message", async () => {
    const provider = createScriptProviderFromTurns([]);
    const results =
      "<background-results>\ntask_1 completed exit 0 A\ntask_2 failed exit 1 B\n</background-results>";
    const messages: Message[] = [
      { role: "user", content: [{ type: "text", text: "old" }] },
      { role: "assistant", content: [{ type: "text", text: "ok" }] },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "t", content: "x" },
          { type: "text", text: results },
        ],
      },
    ];

    const turn = await provider.createTurn(requestWith(messages));

    expect(turn.stopReason).toBe("end_turn");
    expect(turn.content).toEqual([
      {
        type: "text",
        text: "Background results received:\ntask_1 completed exit 0 A\ntask_2 failed exit 1 B",
      },
    ]);
  });

  it("after the last turn says (script finished) when no background results came", async () => {
    const provider = createScriptProviderFromTurns([{ text: "only" }]);
    await provider.createTurn(hello);

    const turn = await provider.createTurn(hello);

    expect(turn).toMatchObject({
      content: [{ type: "text", text: "(script finished)" }],
      stopReason: "end_turn",
    });
  });

  it.each([
    [
      "a tool call without a name",
      { turns: [{ tool_calls: [{ input: {} }] }] },
      /turns\.0\.tool_calls\.0\.name/,
    ],
    ["a negative delay", { turns: [{ delay_ms: -5 }] }, /turns\.0\.delay_ms/],
    ["a misspelt key", { turns: [{ toolcalls: [] }] }, /turns\.0.*toolcalls/],
    ["no turns array", { steps: [] }, /turns/],
    ["broken JSON", "{ not json", /is not valid JSON/],
  ])("rejects a file with %s, naming the file and the field", (_name, content, field) => {
    const file = scriptFile(content);
    expect(() => createScriptProvider(file)).toThrow(field);
    expect(() => createScriptProvider(file)).toThrow(file);
  });

  it("rejects a missing file with an error naming it", () => {
    const missing = path.join(dir, "nope.json");
    expect(() => createScriptProvider(missing)).toThrow(`Cannot read script file ${missing}`);
  });
});
