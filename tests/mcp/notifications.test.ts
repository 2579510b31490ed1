import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LaneManager } from "../../src/lanes/lane-manager.js";
import { LogHints, type LogMessage } from "../../src/mcp/notifications.js";
import { ReplyResults } from "../../src/mcp/reply-results.js";
import { textResult } from "../../src/mcp/tool-bridge.js";
import { sleep, tempWorkspace } from "../helpers/temp-workspace.js";

let ws: { dir: string; cleanup: () => void };
let lanes: LaneManager;
let replies: ReplyResults;
let hints: LogHints | undefined;

beforeEach(() => {
  ws = tempWorkspace("lanes-mcp-forward-");
  lanes = new LaneManager({ workspace: ws.dir, killGraceMs: 300, tickMs: 50 });
  replies = new ReplyResults(lanes);
});
afterEach(async () => {
  hints?.stop();
  await lanes.shutdown();
  ws.cleanup();
});

/** Hints whose client records what it got; `fail` makes every send reject. */
function hint(options: { fail?: boolean } = {}): { sent: LogMessage[]; errors: unknown[] } {
  const sent: LogMessage[] = [];
  const errors: unknown[] = [];
  hints = new LogHints(
    lanes,
    replies,
    (message) =>
      options.fail ? Promise.reject(new Error("not connected")) : (sent.push(message), Promise.resolve()),
    (error) => errors.push(error),
  );
  hints.start();
  return { sent, errors };
}

/** Lets the task's end, the deferred flush and the send run. */
async function settle(id: string): Promise<void> {
  await lanes.whenEnded(id);
  await sleep(20);
  await hints?.idle();
}

/** The `<background-results>` block a reply carries, or undefined. */
function carried(reply: CallToolResult): string | undefined {
  const blocks = reply.content.slice(1).map((block) => (block.type === "text" ? block.text : ""));
  return blocks.find((text) => text.startsWith("<background-results>"));
}

describe("MCP: a result is delivered when a reply carried it", () => {
  it("a logging hint is sent but delivers nothing; the next reply carries the result, once", async () => {
    const { sent } = hint();
    const { id } = lanes.start({ command: "echo done" });
    await settle(id);
    expect(sent).toEqual([
      { level: "info", logger: "lanes", data: expect.stringContaining(`[bg:${id}] completed`) },
    ]);
    expect(lanes.get(id)?.notified).toBe(false);

    const reply = replies.carry(textResult("the tool's own answer"), false);
    expect(reply.content[0]).toEqual({ type: "text", text: "the tool's own answer" });
    expect(carried(reply)).toMatch(new RegExp(`^<background-results>\\n\\[bg:${id}\\] completed, exit 0`));
    expect(lanes.get(id)?.notified).toBe(true);
    expect(carried(replies.carry(textResult("again"), false))).toBeUndefined();
  });

  it("a cancelled call (no reply is sent) takes nothing", async () => {
    const { id } = lanes.start({ command: "exit 2" });
    await lanes.whenEnded(id);
    expect(replies.carry(textResult("never sent"), true).content).toHaveLength(1);
    expect(lanes.get(id)?.notified).toBe(false);
    expect(carried(replies.carry(textResult("sent"), false))).toContain(`[bg:${id}] failed, exit 2`);
  });

  it("hints results queued before it started (recovered from an earlier run), still undelivered", async () => {
    const { id } = lanes.start({ command: "exit 2" });
    await lanes.whenEnded(id);
    const { sent } = hint();
    await sleep(20);
    await hints?.idle();
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ level: "error" });
    expect(String(sent[0]?.data)).toContain(`[bg:${id}] failed, exit 2`);
    expect(lanes.notifications.has(id)).toBe(true);
  });

  it("a result a call will state itself is neither hinted nor carried by other replies while held", async () => {
    const { sent } = hint();
    const { id } = lanes.start({ command: "sleep 0.1" });
    const release = replies.hold([id]);
    await settle(id);
    expect(sent).toEqual([]);
    expect(carried(replies.carry(textResult("another call"), false))).toBeUndefined();
    expect(lanes.get(id)?.notified).toBe(false);
    // The call did not deliver it (cancelled): released, it is hinted and the next reply carries it.
    release();
    release();
    hints?.released();
    await sleep(20);
    await hints?.idle();
    expect(sent).toHaveLength(1);
    expect(carried(replies.carry(textResult("next"), false))).toContain(`[bg:${id}]`);
  });

  it("does not hold other tasks' results", async () => {
    const { sent } = hint();
    const held = lanes.start({ command: "sleep 5" });
    replies.hold([held.id]);
    const { id } = lanes.start({ command: "echo other" });
    await settle(id);
    expect(sent.map((message) => String(message.data).split(" ")[0])).toEqual([`[bg:${id}]`]);
  });

  it("a hint the client cannot take changes nothing", async () => {
    const { sent, errors } = hint({ fail: true });
    const { id } = lanes.start({ command: "echo lost" });
    await settle(id);
    expect(sent).toEqual([]);
    expect(errors).toHaveLength(1);
    expect(lanes.get(id)?.notified).toBe(false);
    expect(lanes.notifications.has(id)).toBe(true);
  });
});
