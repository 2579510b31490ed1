import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LaneManager } from "../../src/lanes/lane-manager.js";
import { NotificationForwarder, type LogMessage } from "../../src/mcp/notifications.js";
import { sleep, tempWorkspace } from "../helpers/temp-workspace.js";

let ws: { dir: string; cleanup: () => void };
let lanes: LaneManager;
let forwarder: NotificationForwarder | undefined;

beforeEach(() => {
  ws = tempWorkspace("lanes-mcp-forward-");
  lanes = new LaneManager({ workspace: ws.dir, killGraceMs: 300, tickMs: 50 });
});
afterEach(async () => {
  forwarder?.stop();
  await lanes.shutdown();
  ws.cleanup();
});

/** A forwarder whose client records what it got; `fail` makes every send reject. */
function forward(options: { fail?: boolean } = {}): { sent: LogMessage[]; errors: unknown[] } {
  const sent: LogMessage[] = [];
  const errors: unknown[] = [];
  forwarder = new NotificationForwarder(
    lanes,
    (message) =>
      options.fail ? Promise.reject(new Error("not connected")) : (sent.push(message), Promise.resolve()),
    (error) => errors.push(error),
  );
  forwarder.start();
  return { sent, errors };
}

/** Lets the task's end, the deferred flush and the send run. */
async function settle(id: string): Promise<void> {
  await lanes.whenEnded(id);
  await sleep(20);
  await forwarder?.idle();
}

describe("notification forwarder", () => {
  it("sends each ended task once as an info message and marks it delivered", async () => {
    const { sent } = forward();
    const { id } = lanes.start({ command: "echo done" });
    await settle(id);
    expect(sent).toEqual([
      { level: "info", logger: "lanes", data: expect.stringContaining(`[bg:${id}] completed`) },
    ]);
    expect(lanes.get(id)?.notified).toBe(true);
    expect(lanes.drainNotifications()).toEqual([]);
  });

  it("sends results queued before it started (recovered from an earlier run)", async () => {
    const { id } = lanes.start({ command: "exit 2" });
    await lanes.whenEnded(id);
    const { sent } = forward();
    await sleep(20);
    await forwarder?.idle();
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ level: "error" });
    expect(String(sent[0]?.data)).toContain(`[bg:${id}] failed, exit 2`);
  });

  it("holds a result a tool reply will carry: nothing is sent when the reply delivered it", async () => {
    const { sent } = forward();
    const { id } = lanes.start({ command: "sleep 0.1" });
    const release = forwarder?.hold([id]);
    await settle(id);
    expect(sent).toEqual([]);
    lanes.markDelivered([id]); // what wait_background and kill_background do
    release?.();
    await forwarder?.idle();
    expect(sent).toEqual([]);
  });

  it("sends a held result on release when the call did not deliver it (cancelled wait)", async () => {
    const { sent } = forward();
    const { id } = lanes.start({ command: "sleep 0.1" });
    const release = forwarder?.hold([id]);
    await settle(id);
    expect(sent).toEqual([]);
    release?.();
    release?.();
    await forwarder?.idle();
    expect(sent).toHaveLength(1);
    expect(lanes.get(id)?.notified).toBe(true);
  });

  it("does not hold other tasks' results", async () => {
    const { sent } = forward();
    const held = lanes.start({ command: "sleep 5" });
    forwarder?.hold([held.id]);
    const { id } = lanes.start({ command: "echo other" });
    await settle(id);
    expect(sent.map((message) => String(message.data).split(" ")[0])).toEqual([`[bg:${id}]`]);
  });

  it("leaves a result undelivered when the client is gone, for the next lanes to report", async () => {
    const { sent, errors } = forward({ fail: true });
    const { id } = lanes.start({ command: "echo lost" });
    await settle(id);
    expect(sent).toEqual([]);
    expect(errors).toHaveLength(1);
    expect(lanes.get(id)?.notified).toBe(false);
  });
});
