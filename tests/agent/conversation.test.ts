import { describe, expect, it } from "vitest";
import { finalText, INTERRUPTED_RESULT, repairConversation } from "../../src/agent/conversation.js";
import type { Message } from "../../src/model/types.js";

describe("conversation repair", () => {
  it("answers a tool_use left without a result, placing results before text", () => {
    const messages: Message[] = [
      { role: "user", content: [{ type: "text", text: "go" }] },
      {
        role: "assistant",
        content: [
          { type: "tool_use", id: "a", name: "bash", input: {} },
          { type: "tool_use", id: "b", name: "bash", input: {} },
        ],
      },
      {
        role: "user",
        content: [
          { type: "text", text: "<background-results>x</background-results>" },
          { type: "tool_result", tool_use_id: "a", content: "ok" },
        ],
      },
    ];
    repairConversation(messages);
    const reply = messages[2];
    expect(
      reply?.content.map((b) => (b.type === "tool_result" ? `result:${b.tool_use_id}` : "text")),
    ).toEqual(["result:a", "result:b", "text"]);
    expect(reply?.content[1]).toMatchObject({ is_error: true, content: INTERRUPTED_RESULT });
  });

  it("inserts a user message when an assistant tool_use is followed by nothing", () => {
    const messages: Message[] = [
      { role: "user", content: [{ type: "text", text: "go" }] },
      { role: "assistant", content: [{ type: "tool_use", id: "a", name: "bash", input: {} }] },
    ];
    repairConversation(messages);
    expect(messages).toHaveLength(3);
    expect(messages[2]).toMatchObject({ role: "user", content: [{ type: "tool_result", tool_use_id: "a" }] });
  });

  it("merges neighbours of the same role so roles alternate", () => {
    const messages: Message[] = [
      { role: "user", content: [{ type: "text", text: "one" }] },
      { role: "user", content: [{ type: "text", text: "two" }] },
      { role: "assistant", content: [{ type: "text", text: "a" }] },
      { role: "assistant", content: [{ type: "text", text: "b" }] },
    ];
    repairConversation(messages);
    expect(messages.map((m) => m.role)).toEqual(["user", "assistant"]);
    expect(messages[0]?.content).toHaveLength(2);
  });

  it("finds the run's answer in the last assistant message with text", () => {
    const messages: Message[] = [
      { role: "user", content: [{ type: "text", text: "hi" }] },
      { role: "assistant", content: [{ type: "text", text: "done" }] },
      { role: "user", content: [{ type: "text", text: "more results" }] },
    ];
    expect(finalText(messages)).toBe("done");
  });
});
