import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Cleanups } from "../helpers/mcp-client.js";
import { startRawServer, type RawServer, type Wire } from "../helpers/raw-mcp.js";
import { recordReliability } from "../helpers/reliability.js";
import { sleep } from "../helpers/temp-workspace.js";

const cleanups: Cleanups = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The error responses without an id (JSON-RPC's null id: the server could not tell which request). */
function anonymousErrors(server: RawServer): Wire[] {
  return server.wire.filter((message) => "error" in message && message.id === undefined);
}

/** The session still answers: tools/list lists the five background tools and agent_run. */
async function stillServes(server: RawServer, id: number): Promise<void> {
  const listed = await server.request(id, "tools/list");
  expect((listed.result as { tools: unknown[] }).tools).toHaveLength(6);
}

describe("lanes mcp answers malformed JSON-RPC as JSON-RPC says, and goes on", () => {
  it("an unparseable line gets a -32700 parse error, and the session goes on", async ({ task }) => {
    const server = startRawServer(cleanups);
    await server.initialize();
    const lines = ["not json", '{"jsonrpc":"2.0","id":1,"method":"tools/li', "{}}"];
    for (const line of lines) server.send(line);
    await stillServes(server, 9);
    const errors = anonymousErrors(server);
    expect(errors.map((message) => message.error?.code)).toEqual([-32700, -32700, -32700]);
    for (const message of errors) expect(message.error?.message).toMatch(/^Parse error: /);
    expect(server.garbage).toEqual([]);
    recordReliability(task, {
      area: "MCP",
      does: `${lines.length} unparseable lines (text, a cut-off request, trailing garbage) on a live session: each answered -32700 with no id, then tools/list still answered`,
      cases: lines.length,
      faultsSurvived: errors.length,
      processesLeft: 0,
      itemsLost: 0,
    });
  });

  it("wrong JSON-RPC shapes get -32600, with the request's id when it has a usable one", async ({ task }) => {
    const server = startRawServer(cleanups);
    await server.initialize();
    const shapes: [unknown, string | number | undefined][] = [
      [[], undefined],
      [[{ jsonrpc: "2.0", id: 1, method: "ping" }], undefined],
      [5, undefined],
      ['"ping"', undefined],
      [{ jsonrpc: "1.0", id: 2, method: "ping" }, 2],
      [{ jsonrpc: "2.0", id: 3 }, 3],
      [{ jsonrpc: "2.0", id: "four", method: 4 }, "four"],
      [{ jsonrpc: "2.0", id: { nested: true }, method: "ping" }, undefined],
      [{ jsonrpc: "2.0", id: 5.5, method: "ping" }, undefined],
      [{ jsonrpc: "2.0", id: 6, method: "ping", extra: 1 }, 6],
    ];
    for (const [shape] of shapes) server.send(typeof shape === "string" ? shape : JSON.stringify(shape));
    await stillServes(server, 99);
    const withId = shapes.filter(([, id]) => id !== undefined);
    for (const [shape, id] of withId) {
      const answer = await server.reply(id as string | number);
      expect(answer.error?.code, JSON.stringify(shape)).toBe(-32600);
      expect(answer.error?.message).toMatch(/^Invalid Request: /);
    }
    const anonymous = anonymousErrors(server);
    expect(anonymous.map((message) => message.error?.code)).toEqual(
      shapes.filter(([, id]) => id === undefined).map(() => -32600),
    );
    expect(server.wire.filter((message) => message.id === 1)).toEqual([]);
    recordReliability(task, {
      area: "MCP",
      does: `${shapes.length} wrong JSON-RPC shapes (batches, scalars, jsonrpc 1.0, no method, a number as method, object and fractional ids, an extra member): each answered -32600, with its id when usable; the session goes on`,
      cases: shapes.length,
      faultsSurvived: withId.length + anonymous.length,
      processesLeft: 0,
      itemsLost: 0,
    });
  });

  it("requests before initialize are refused with -32600 and run nothing; ping is answered", async ({
    task,
  }) => {
    const server = startRawServer(cleanups);
    const early = await server.request(1, "tools/call", {
      name: "background_run",
      arguments: { command: "touch ran" },
    });
    expect(early.error?.code).toBe(-32600);
    expect(early.error?.message).toContain("initialize");
    expect(early.error?.message).toContain("tools/call");
    const listed = await server.request(2, "tools/list");
    expect(listed.error?.code).toBe(-32600);
    expect((await server.request(3, "ping")).result).toEqual({});
    await sleep(500);
    expect(existsSync(join(server.dir, "ran"))).toBe(false);

    await server.initialize();
    await stillServes(server, 4);
    recordReliability(task, {
      area: "MCP",
      does: "tools/call background_run and tools/list before initialize: each refused -32600 naming the method, the command never ran; ping answered; after initialize the session serves",
      cases: 2,
      faultsSurvived: 2,
      processesLeft: 0,
      itemsLost: 0,
    });
  });

  it("wrong params get -32602 with a one-line message naming the field", async ({ task }) => {
    const server = startRawServer(cleanups);
    const initialize = await server.request(1, "initialize", { capabilities: {}, clientInfo: { name: "x" } });
    expect(initialize.error?.code).toBe(-32602);
    expect(initialize.error?.message).toContain("params.protocolVersion");
    await server.initialize();
    const cases: [string, unknown, string][] = [
      ["tools/call", { arguments: {} }, "params.name"],
      ["tools/call", undefined, "params"],
      ["tools/call", { name: "check_background", arguments: "all" }, "params.arguments"],
      ["tools/call", 7, "params"],
      ["logging/setLevel", { level: "loud" }, "params.level"],
    ];
    let id = 10;
    for (const [method, params, field] of cases) {
      const answer = await server.request(++id, method, params);
      expect(answer.error?.code, `${method} ${JSON.stringify(params)}`).toBe(-32602);
      expect(answer.error?.message).toContain(field);
      expect(answer.error?.message).not.toContain("\n");
      expect(answer.error?.message.length).toBeLessThan(200);
    }
    await stillServes(server, 99);
    recordReliability(task, {
      area: "MCP",
      does: `${cases.length + 1} requests with wrong params (initialize without protocolVersion, tools/call without name, params or with arguments a string, params a number, setLevel to "loud"): each -32602 with one line naming the field, no zod dump`,
      cases: cases.length + 1,
      faultsSurvived: cases.length + 1,
      processesLeft: 0,
      itemsLost: 0,
    });
  });
});
