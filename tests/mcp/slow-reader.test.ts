import { afterEach, describe, expect, it } from "vitest";
import type { Cleanups } from "../helpers/mcp-client.js";
import { startRawServer } from "../helpers/raw-mcp.js";
import { sleep } from "../helpers/temp-workspace.js";

const cleanups: Cleanups = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe("MCP: a client that stops reading for a while", () => {
  it("replies wait for it without a listener per message (no MaxListenersExceededWarning) and all arrive in order", async () => {
    const server = startRawServer(cleanups);
    await server.initialize();
    server.child.stdout?.pause();
    // About 5 KB each: far more than the pipe and the stream's buffer hold.
    const ids = Array.from({ length: 60 }, (_, index) => index + 1);
    for (const id of ids) server.send({ jsonrpc: "2.0", id, method: "tools/list" });
    await sleep(1500);
    server.child.stdout?.resume();
    await server.reply(ids.length, 20_000);
    const answered = server.wire.filter((message) => "result" in message && typeof message.id === "number");
    expect(answered.map((message) => message.id)).toEqual([0, ...ids]);
    expect(server.stderr()).not.toContain("MaxListenersExceededWarning");
  });
});
