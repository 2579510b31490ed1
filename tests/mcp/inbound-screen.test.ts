import { describe, expect, it } from "vitest";
import { InboundScreen } from "../../src/mcp/inbound-screen.js";

const INITIALIZE = JSON.stringify({
  jsonrpc: "2.0",
  id: 0,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "0" } },
});

function initialized(): InboundScreen {
  const screen = new InboundScreen();
  expect(screen.line(INITIALIZE).kind).toBe("message");
  return screen;
}

describe("InboundScreen: what each line from the client becomes", () => {
  it("responses are passed on or noted, never answered, whatever their shape", () => {
    const screen = initialized();
    expect(screen.line('{"jsonrpc":"2.0","id":1,"result":{}}').kind).toBe("message");
    expect(screen.line('{"jsonrpc":"2.0","id":2,"error":{"code":-1,"message":"no"}}').kind).toBe("message");
    expect(screen.line('{"jsonrpc":"1.0","id":3,"result":5}').kind).toBe("dropped");
    expect(screen.line('{"id":{},"error":"x"}').kind).toBe("dropped");
  });

  it("notifications before initialize are dropped, after it passed on; a malformed one is dropped", () => {
    const screen = new InboundScreen();
    expect(screen.line('{"jsonrpc":"2.0","method":"notifications/initialized"}')).toMatchObject({
      kind: "dropped",
      reason: "notifications/initialized before initialize",
    });
    expect(screen.line(INITIALIZE).kind).toBe("message");
    expect(screen.line('{"jsonrpc":"2.0","method":"notifications/initialized"}').kind).toBe("message");
    expect(screen.line('{"jsonrpc":"2.0","method":"notifications/x","params":3}').kind).toBe("dropped");
  });

  it("a failed initialize leaves the server uninitialized", () => {
    const screen = new InboundScreen();
    const bad = screen.line('{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}');
    expect(bad).toMatchObject({ kind: "refused", reply: { id: 1, error: { code: -32602 } } });
    const early = screen.line('{"jsonrpc":"2.0","id":2,"method":"tools/list"}');
    expect(early).toMatchObject({ kind: "refused", reply: { id: 2, error: { code: -32600 } } });
  });

  it("an over-long line's id is read only where it is surely top-level", () => {
    const screen = new InboundScreen();
    const line = (head: string, tail: string) =>
      screen.overlong({ size: 11e6, head, tail }, 10 * 1024 * 1024);
    expect(line('{"id": 7, "method":"x", "params":{"a":"', 'aaa"}}')).toMatchObject({ reply: { id: 7 } });
    expect(
      line('{"method":"tools/call","params":{"a":"', 'aa"},"jsonrpc":"2.0","id":"k-1"}\r'),
    ).toMatchObject({
      reply: { id: "k-1" },
    });
    const nested = line('{"method":"x","params":{"a":"', 'a","b":{"id":3}}}');
    expect(nested).toMatchObject({ kind: "refused" });
    expect(nested.kind === "refused" && "id" in nested.reply).toBe(false);
    expect(line('{"jsonrpc":"2.0","method":"notifications/message","params":{"a":"', 'a"}}').kind).toBe(
      "dropped",
    );
    const refused = line('{"id":1,', "}");
    expect(refused.kind === "refused" && refused.reply.error).toMatchObject({
      code: -32600,
      data: { size: 11e6, limit: 10 * 1024 * 1024 },
    });
  });
});
