import { describe, expect, it } from "vitest";
import { createSendBackgroundInputTool } from "../../src/tools/send-background-input.js";
import { useLaneFixture } from "../helpers/lane-fixture.js";
import { callDirect } from "../helpers/tool-harness.js";

const ws = useLaneFixture();

describe("send_background_input to a task that does not read", () => {
  it("answers 'queued' instead of blocking the turn until the task exits", async () => {
    const lanes = ws.manager();
    const task = lanes.start({ command: "sleep 30" });
    const tool = createSendBackgroundInputTool(lanes);
    const reply = await callDirect(tool, { task_id: task.id, text: "x".repeat(1_000_000) });
    expect(reply).toMatch(new RegExp(`^Queued 1000000 bytes for task ${task.id}; it has not read them yet`));
    expect(lanes.get(task.id)?.status).toBe("running");
  });

  it("returns at once when the turn is cancelled", async () => {
    const lanes = ws.manager();
    const task = lanes.start({ command: "sleep 30" });
    const controller = new AbortController();
    const call = callDirect(
      createSendBackgroundInputTool(lanes),
      { task_id: task.id, text: "y".repeat(1_000_000) },
      controller.signal,
    );
    controller.abort();
    expect(await call).toMatch(/^Queued/);
  });
});
