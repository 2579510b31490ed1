import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { afterEach, describe, expect, it } from "vitest";
import {
  call,
  connect,
  readRecord,
  startTask,
  type Cleanups,
  type Connection,
} from "../helpers/mcp-client.js";
import { eventually, tempWorkspace } from "../helpers/temp-workspace.js";

const cleanups: Cleanups = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

// Test seam: the server waits this long after a progress notification before it replies, so a cancel sent
// when the progress arrives always lands before the reply (the default 25 ms would be a race).
const WIDE_GAP = { LANES_MCP_PROGRESS_GAP_MS: "30000" };

/** How many of the messages the server sent state the task's result (as a reply or in its results). */
function timesSent(wire: readonly JSONRPCMessage[], id: string): number {
  const result = new RegExp(`\\[bg:${id}\\] (completed|failed|killed)`);
  return wire.filter((message) => "result" in message && result.test(JSON.stringify(message.result))).length;
}

/** A task that ends when the test writes to its FIFO `gate`. */
async function gatedTask(connection: Connection): Promise<{ id: string; open: () => Promise<void> }> {
  execFileSync("mkfifo", [join(connection.dir, "gate")]);
  const id = await startTask(connection, { command: "read line < gate; echo ended $line" });
  return { id, open: () => writeFile(join(connection.dir, "gate"), "now\n") };
}

/**
 * Calls wait_background on the task with a progress token; `onEnd` runs when the progress says it ended,
 * inside the reply's gap. Resolves once the server is waiting: requests are handled in order.
 */
async function waitWithProgress(connection: Connection, id: string, onEnd: (abort: AbortController) => void) {
  const abort = new AbortController();
  const waiting = connection.client.callTool(
    { name: "wait_background", arguments: { task_ids: [id] } },
    undefined,
    {
      signal: abort.signal,
      onprogress: () => onEnd(abort),
    },
  );
  waiting.catch(() => {});
  await call(connection, "check_background", { task_id: id, output: "none" });
  // In an object: an async function returning the promise itself would wait for it.
  return { waiting };
}

describe("MCP: a result whose reply was not sent stays undelivered", () => {
  it("a wait_background cancelled as its task ends: the next reply sent carries the result, once", async () => {
    const connection = await connect(cleanups, undefined, WIDE_GAP);
    const { id, open } = await gatedTask(connection);
    const { waiting } = await waitWithProgress(connection, id, (abort) =>
      abort.abort("cancelled at the end"),
    );
    await open();
    await expect(waiting).rejects.toThrow();

    const next = await call(connection, "check_background", {});
    expect(next.results).toContain(`[bg:${id}] completed, exit 0`);
    expect(await eventually(() => readRecord(connection.dir, id).notified, 2000)).toBe(true);
    await call(connection, "check_background", {});
    expect(timesSent(connection.wire, id)).toBe(1);
    expect(connection.errors).toEqual([]);
  });

  it("a kill_background cancelled while the kill runs: the killed result comes with a later reply", async () => {
    // Unsandboxed (the user's own setting) so that the shell's trap outlives TERM, with a long grace.
    const home = tempWorkspace("lanes-mcp-config-");
    cleanups.push(home.cleanup);
    mkdirSync(join(home.dir, "lanes"));
    const settings = { sandbox: "danger-full-access", kill_grace_ms: 5000 };
    writeFileSync(join(home.dir, "lanes", "config.json"), JSON.stringify(settings));
    const connection = await connect(cleanups, undefined, { XDG_CONFIG_HOME: home.dir });
    // Outlives TERM (the trap), so the kill is still waiting for the grace to end when the cancel arrives.
    const id = await startTask(connection, {
      command: "trap 'touch got-term' TERM; echo up; while :; do sleep 0.05; done",
    });
    // The trap must be set before the TERM comes: under load the shell may not have run its first line yet.
    const log = join(connection.dir, ".lanes", "tasks", `${id}.log`);
    expect(await eventually(() => existsSync(log) && readFileSync(log, "utf8").includes("up"), 10_000)).toBe(
      true,
    );
    const abort = new AbortController();
    const killing = connection.client.callTool(
      { name: "kill_background", arguments: { task_id: id } },
      undefined,
      {
        signal: abort.signal,
      },
    );
    killing.catch(() => {});
    expect(await eventually(() => existsSync(join(connection.dir, "got-term")), 5000)).toBe(true);
    abort.abort("cancelled mid-kill");
    await expect(killing).rejects.toThrow();
    expect(await eventually(() => readRecord(connection.dir, id).status === "killed", 10_000)).toBe(true);

    const next = await call(connection, "check_background", {});
    expect(next.results).toContain(`[bg:${id}] killed`);
    await call(connection, "check_background", {});
    expect(timesSent(connection.wire, id)).toBe(1);
  });

  it("the client goes away as the awaited task ends: the next lanes mcp carries the result", async () => {
    const first = await connect(cleanups, undefined, WIDE_GAP);
    const { id, open } = await gatedTask(first);
    const gone = new Promise<void>((resolve) => {
      void waitWithProgress(first, id, () => void first.client.close().then(resolve));
    });
    await open();
    await gone;
    expect(timesSent(first.wire, id)).toBe(0);
    expect(readRecord(first.dir, id).notified).toBe(false);

    const second = await connect(cleanups, first.dir);
    expect((await call(second, "check_background", {})).results).toContain(`[bg:${id}] completed, exit 0`);
  });

  it("the client goes away mid-wait: the shutdown's kill is carried by the next lanes mcp", async () => {
    const first = await connect(cleanups);
    const id = await startTask(first, { command: "sleep 300" });
    const waiting = first.client.callTool({ name: "wait_background", arguments: { task_ids: [id] } });
    waiting.catch(() => {});
    await call(first, "check_background", { task_id: id, output: "none" });
    await first.client.close();
    expect(await eventually(() => readRecord(first.dir, id).status === "killed", 10_000)).toBe(true);
    expect(timesSent(first.wire, id)).toBe(0);

    const second = await connect(cleanups, first.dir);
    expect((await call(second, "check_background", {})).results).toContain(`[bg:${id}] killed`);
    expect(readRecord(second.dir, id)).toMatchObject({ end_reason: "shutdown" });
  });
});
