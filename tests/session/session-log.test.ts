import { readFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigSchema } from "../../src/config/config.js";
import { createAnthropicProvider } from "../../src/model/anthropic-provider.js";
import { createScriptProviderFromTurns } from "../../src/model/script-provider.js";
import { Session, type SessionOptions } from "../../src/session/session.js";
import {
  startFakeAnthropic,
  textReply,
  toolReply,
  type FakeAnthropic,
} from "../helpers/fake-anthropic-server.js";
import { tempWorkspace } from "../helpers/temp-workspace.js";

let ws: { dir: string; cleanup: () => void };
let server: FakeAnthropic | undefined;
const sessions: Session[] = [];
beforeEach(() => (ws = tempWorkspace()));
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((session) => session.close()));
  await server?.close();
  server = undefined;
  ws.cleanup();
});

function open(options: Partial<SessionOptions> & Pick<SessionOptions, "provider">): Session {
  const session = new Session({
    workspace: ws.dir,
    config: ConfigSchema.parse({}),
    idleWake: true,
    emit: () => {},
    ...options,
    env: options.env ?? process.env,
    ownerPid: options.ownerPid ?? process.pid,
  });
  sessions.push(session);
  return session;
}

const bash = (command: string) => ({ name: "bash", input: { command } });
const signal = () => new AbortController().signal;

describe("the session file is an append-only log", () => {
  it("only grows: every earlier state of the file is a prefix of the next, and resuming rebuilds the same view", async () => {
    const turns = [
      { tool_calls: [bash("echo one")] },
      { tool_calls: [bash("echo two"), bash("echo three")] },
      { text: "first done" },
      { tool_calls: [{ name: "background_run", input: { command: "echo bg" } }] },
      { text: "second done" },
    ];
    const session = open({ provider: createScriptProviderFromTurns(turns) });
    const snapshots: string[] = [];
    await session.send("first", signal());
    snapshots.push(readFileSync(`${ws.dir}/.lanes/sessions/${session.id}.jsonl`, "utf8"));
    await session.send("second", signal());
    snapshots.push(readFileSync(`${ws.dir}/.lanes/sessions/${session.id}.jsonl`, "utf8"));
    expect(snapshots[1]?.startsWith(snapshots[0] ?? "-")).toBe(true);
    expect(snapshots[1]).toContain('"type":"task"');
    const resumed = open({ provider: createScriptProviderFromTurns([]), resume: session.id });
    expect(resumed.messages).toEqual(session.messages);
  });
});

describe("prompt caching through a whole run", () => {
  it("every request after the first reads the whole previous prompt from the cache, background results included", async () => {
    const output = "head -c 2400 /dev/zero | tr '\\0' x; echo";
    server = await startFakeAnthropic((_request, index) => {
      if (index === 0)
        return toolReply([{ name: "background_run", input: { command: "sleep 0.3; echo bg done" } }]);
      if (index < 6) return toolReply([bash(index === 3 ? "sleep 0.5; " + output : output)]);
      return textReply("done");
    });
    const provider = createAnthropicProvider({ model: "m", apiKey: "sk-test", baseURL: server.url });
    const session = open({ provider });
    const result = await session.send("work", signal());
    const usages = server.requests.map((request) => request.usage!);
    expect(usages.length).toBeGreaterThanOrEqual(7);
    expect(JSON.stringify(server.requests.at(-1)?.body)).toContain("bg done");
    for (let i = 1; i < usages.length; i++) {
      const previous = usages[i - 1] ?? {};
      const whole = ["input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"]
        .map((field) => previous[field] ?? 0)
        .reduce((a, b) => a + b);
      expect(usages[i]?.cache_read_input_tokens, `request ${i}`).toBe(whole);
    }
    const read = usages.reduce((sum, usage) => sum + (usage.cache_read_input_tokens ?? 0), 0);
    expect(result.usage.cache_read_input_tokens).toBe(read);
    expect(result.usage.cache_creation_input_tokens).toBeGreaterThan(0);
  });
});
