import { describe, expect, it } from "vitest";
import { createBackgroundRunTool } from "../../src/tools/background-run.js";
import { createWaitBackgroundTool } from "../../src/tools/wait-background.js";
import { useLaneFixture } from "../helpers/lane-fixture.js";
import { callDirect, callResult } from "../helpers/tool-harness.js";

// wait_background with no ids waits for "every running task": with a dev server among them (persisted, or
// listening on a port) that meant its whole timeout, every time, while the model only wanted its build.

const ws = useLaneFixture();

function tools() {
  const lanes = ws.manager();
  return { lanes, run: createBackgroundRunTool(lanes), wait: createWaitBackgroundTool(lanes) };
}

describe("wait_background with no ids, beside a server", () => {
  it("waits for the tasks that end, not for a persisted server, and names the server", async () => {
    const { lanes, run, wait } = tools();
    const server = (await callResult(run, { command: "sleep 60", persist: true, description: "dev server" }))
      .details.task_id;
    const build = (await callResult(run, { command: "sleep 0.2; echo built" })).details.task_id;
    const started = Date.now();
    const reply = await callResult(wait, { timeout_ms: 20_000 });
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(reply.content).toContain(`[bg:${build}] completed, exit 0`);
    expect(reply.content).toContain(
      `Not waited for, servers (persisted, or listening on a port: they end when killed): ${server} (dev server). Name one in task_ids to wait for it anyway.`,
    );
    expect(reply.details).toMatchObject({ servers: [server], timed_out: false });
    expect(lanes.get(server)?.status).toBe("running");
    await lanes.kill(server);
  });

  it("with only servers running, answers at once; named, a server is waited for", async () => {
    const { lanes, run, wait } = tools();
    const server = (await callResult(run, { command: "sleep 60", persist: true })).details.task_id;
    const started = Date.now();
    expect(await callDirect(wait, {})).toBe(
      `Nothing to wait for: only servers run (persisted, or listening on a port: they end when killed): ${server} (sleep 60). Name one in task_ids to wait for it anyway.`,
    );
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await callDirect(wait, { task_ids: [server], timeout_ms: 300 })).toContain(
      `Still running (timed out after 300ms): ${server}`,
    );
    await lanes.kill(server);
  });
});
