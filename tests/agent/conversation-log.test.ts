import { describe, expect, it } from "vitest";
import { ConversationLog, type LogEntry } from "../../src/agent/conversation-log.js";
import type { Message } from "../../src/model/types.js";
import { wellFormedProblems } from "../helpers/conversation-checks.js";

/** The view as the cache sees it: one string per content block, with its role. */
function blocks(messages: Message[]): string[] {
  return messages.flatMap((m) => m.content.map((block) => `${m.role}:${JSON.stringify(block)}`));
}

const use = (id: string) => ({ type: "tool_use" as const, id, name: "bash", input: { command: "ls" } });
const call = (id: string): Message => ({ role: "assistant", content: [use(id)] });
const result = (id: string, content = "out"): Message => ({
  role: "user",
  content: [{ type: "tool_result", tool_use_id: id, content }],
});
const user = (text: string): Message => ({ role: "user", content: [{ type: "text", text }] });

describe("the conversation log and its view", () => {
  it("only ever grows the view at its end as messages are appended, even across a cancelled call", () => {
    const appended: LogEntry[] = [];
    const log = new ConversationLog([], (entry) => appended.push(entry));
    const steps: Message[] = [
      user("go"),
      {
        role: "assistant",
        content: [{ type: "text", text: "looking" }, use("a"), use("b")],
      },
      result("a"),
      result("b"),
      user("<background-results>x</background-results>"),
      call("c"),
      // cancelled before c's result: the next prompt follows directly
      user("next"),
      { role: "assistant", content: [{ type: "text", text: "done" }] },
      user("<background-results>y</background-results>"),
    ];
    // Requests happen when the view ends with a user message whose tool calls are all answered.
    const sent: string[][] = [];
    steps.forEach((message, index) => {
      log.appendMessage(message);
      const view = log.project();
      expect(wellFormedProblems(view)).toEqual([]);
      if (message.role === "user" && index !== 2) sent.push(blocks(view));
    });
    for (let i = 1; i < sent.length; i++) expect(sent[i]?.slice(0, sent[i - 1]?.length)).toEqual(sent[i - 1]);
    expect(appended).toHaveLength(steps.length);
  });

  it("never changes an entry: the view is built from copies", () => {
    const log = new ConversationLog();
    log.appendMessage(user("one"));
    log.appendMessage(user("two"));
    log.appendMessage(call("a"));
    const before = JSON.stringify(log.entries);
    const view = log.project();
    view[0]?.content.push({ type: "text", text: "edited" });
    log.append({ type: "stub", stubs: [{ tool_use_id: "a", text: "stub" }] });
    log.project();
    expect(JSON.stringify(log.entries.slice(0, 3))).toBe(before);
    expect(view.map((m) => m.role)).toEqual(["user", "assistant", "user"]);
  });

  it("applies stubs and the latest summary; entries before the summary's first kept one are left out", () => {
    const log = new ConversationLog();
    log.appendMessage(user("task"));
    log.appendMessage(call("a"));
    log.appendMessage(result("a", "x".repeat(5000)));
    log.appendMessage(call("b"));
    log.appendMessage(result("b", "big"));
    log.append({ type: "stub", stubs: [{ tool_use_id: "a", text: "[cleared]" }] });
    expect(JSON.stringify(log.project())).toContain("[cleared]");
    expect(JSON.stringify(log.project())).not.toContain("xxxxx");
    log.append({ type: "compaction", summary: "SUMMARY", first_kept: 3 });
    const view = log.project();
    expect(wellFormedProblems(view)).toEqual([]);
    expect(blocks(view)[0]).toContain("SUMMARY");
    expect(JSON.stringify(view)).not.toContain('"task"');
    expect(view[1]).toEqual(call("b"));
  });
});
