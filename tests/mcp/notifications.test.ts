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
  lanes = new LaneManager({
    env: process.env,
    ownerPid: process.pid,
    workspace: ws.dir,
    killGraceMs: 300,
    tickMs: 50,
  });
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

let requests = 0;

/** Builds a reply as the server does and hands it over; `cancel` aborts the call before it is sent. */
function reply(
  answer: string,
  options: { cancel?: "before" | "after-build"; stated?: string[] } = {},
): CallToolResult {
  const id = ++requests;
  const controller = new AbortController();
  if (options.cancel === "before") controller.abort();
  const built = replies.carry(textResult(answer), id, controller.signal, options.stated ?? []);
  if (options.cancel === "after-build") controller.abort();
  else replies.written(id);
  return built;
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

    const first = reply("the tool's own answer");
    expect(first.content[0]).toEqual({ type: "text", text: "the tool's own answer" });
    expect(carried(first)).toMatch(new RegExp(`^<background-results>\\n\\[bg:${id}\\] completed, exit 0`));
    expect(lanes.get(id)?.notified).toBe(true);
    expect(carried(reply("again"))).toBeUndefined();
  });

  it("a cancelled call (no reply is sent) takes nothing", async () => {
    const { id } = lanes.start({ command: "exit 2" });
    await lanes.whenEnded(id);
    expect(reply("never sent", { cancel: "before" }).content).toHaveLength(1);
    expect(lanes.get(id)?.notified).toBe(false);
    expect(carried(reply("sent"))).toContain(`[bg:${id}] failed, exit 2`);
  });

  it("a reply is delivered when handed to the transport: one dropped after it was built gives back what it carried", async () => {
    const { id } = lanes.start({ command: "exit 3" });
    await lanes.whenEnded(id);
    const requestId = ++requests;
    const controller = new AbortController();
    const built = replies.carry(textResult("built"), requestId, controller.signal, []);
    expect(carried(built)).toContain(`[bg:${id}] failed, exit 3`);
    expect(lanes.get(id)?.notified).toBe(false);
    controller.abort();
    // The SDK never hands a cancelled call's reply over; a late `sent` would change nothing anyway.
    expect(lanes.get(id)?.notified).toBe(false);
    expect(carried(reply("next"))).toContain(`[bg:${id}] failed, exit 3`);
    expect(lanes.get(id)?.notified).toBe(true);
  });

  it("what a call's answer states is held until its reply is sent, and left for the next reply if it is dropped", async () => {
    const { id } = lanes.start({ command: "echo stated" });
    await lanes.whenEnded(id);
    // check_background on the ended task states it: not repeated in its own block, nor taken by others.
    const requestId = ++requests;
    const controller = new AbortController();
    const built = replies.carry(textResult("[bg:… its answer"), requestId, controller.signal, [id]);
    expect(carried(built)).toBeUndefined();
    expect(carried(reply("a concurrent call"))).toBeUndefined();
    controller.abort();
    expect(lanes.get(id)?.notified).toBe(false);
    expect(carried(reply("next"))).toContain(`[bg:${id}] completed`);

    const { id: other } = lanes.start({ command: "echo sent" });
    await lanes.whenEnded(other);
    expect(carried(reply("states it", { stated: [other] }))).toBeUndefined();
    expect(lanes.get(other)?.notified).toBe(true);
    expect(carried(reply("after"))).toBeUndefined();
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
    expect(carried(reply("another call"))).toBeUndefined();
    expect(lanes.get(id)?.notified).toBe(false);
    // The call did not deliver it (cancelled): released, it is hinted and the next reply carries it.
    release();
    release();
    hints?.released();
    await sleep(20);
    await hints?.idle();
    expect(sent).toHaveLength(1);
    expect(carried(reply("next"))).toContain(`[bg:${id}]`);
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
