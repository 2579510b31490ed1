import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AgentRunError } from "../../src/agent/loop.js";
import { Session } from "../../src/session/session.js";
import { ConfigSchema } from "../../src/config/config.js";
import { createAnthropicProvider } from "../../src/model/anthropic-provider.js";
import { createScriptProviderFromTurns } from "../../src/model/script-provider.js";
import { ModelError, type ModelProvider } from "../../src/model/types.js";
import {
  startFakeAnthropic,
  textReply,
  toolReply,
  type FakeAnthropic,
} from "../helpers/fake-anthropic-server.js";
import { eventually, tempWorkspace } from "../helpers/temp-workspace.js";

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

function open(turns: { text: string }[], resume?: string): Session {
  return openWith(createScriptProviderFromTurns(turns), resume);
}

function openWith(provider: ModelProvider, resume?: string): Session {
  const session = new Session({
    workspace: ws.dir,
    env: process.env,
    ownerPid: process.pid,
    config: ConfigSchema.parse({}),
    idleWake: false,
    emit: () => {},
    provider,
    resume,
  });
  sessions.push(session);
  return session;
}

/** A session on the real Anthropic SDK against the test's fake server. */
function openOnServer(fake: FakeAnthropic): Session {
  return openWith(createAnthropicProvider({ model: "claude-test", apiKey: "sk-test", baseURL: fake.url }));
}

describe("session persistence", () => {
  it("startOver keeps the old conversation resumable and continues under a new id", async () => {
    const session = open([{ text: "first answer" }, { text: "second answer" }]);
    await session.send("first question", new AbortController().signal);
    const oldId = session.id;
    session.startOver();
    expect(session.id).not.toBe(oldId);
    expect(session.messages).toEqual([]);
    await session.send("second question", new AbortController().signal);
    const oldFile = readFileSync(join(ws.dir, ".lanes", "sessions", `${oldId}.jsonl`), "utf8");
    expect(oldFile).toContain("first question");
    expect(oldFile).not.toContain("second question");
    const resumed = open([], oldId);
    expect(resumed.messages.map((m) => m.role)).toEqual(["user", "assistant"]);
    expect(existsSync(join(ws.dir, ".lanes", "sessions", `${session.id}.jsonl`))).toBe(true);
  });

  it("saves with owner-only permissions", async () => {
    const session = open([{ text: "ok" }]);
    await session.send("hi", new AbortController().signal);
    const mode = statSync(join(ws.dir, ".lanes", "sessions", `${session.id}.jsonl`)).mode & 0o777;
    expect(mode).toBe(0o600);
  });
});

describe("/clear after a failed call", () => {
  it("re-queues a result only the discarded conversation carried, so the next conversation gets it", async () => {
    // The real provider against a local fake API: the first call fails the production way (a 400, which
    // is not retried, surfacing as an AgentRunError around a ModelError), the next answers.
    server = await startFakeAnthropic((_request, index) =>
      index === 0 ? { kind: "error", status: 400, message: "API down" } : textReply("ok"),
    );
    const session = openOnServer(server);
    const task = session.lanes.start({ command: "echo carried" });
    await session.lanes.whenEnded(task.id);
    const failure = session.send("first", new AbortController().signal);
    await expect(failure).rejects.toBeInstanceOf(AgentRunError);
    await expect(failure).rejects.toMatchObject({ cause: expect.any(ModelError) });
    await expect(failure).rejects.toMatchObject({ cause: { status: 400 }, partial: { turns: 0 } });
    expect(server.requests).toHaveLength(1);
    expect(JSON.stringify(session.messages)).toContain(`[bg:${task.id}]`);
    session.startOver();
    await session.send("second", new AbortController().signal);
    expect(JSON.stringify(session.messages)).toContain(`[bg:${task.id}] completed, exit 0`);
    await session.lanes.flush();
    expect(session.lanes.get(task.id)?.notified).toBe(true);
  });

  it("re-queues a result only a cancelled wait_background's answer stated, so the next conversation gets it", async () => {
    const gate = join(ws.dir, "go");
    let taskId = "";
    server = await startFakeAnthropic((_request, index) =>
      index === 0 ? toolReply([{ name: "wait_background", input: { task_ids: [taskId] } }]) : textReply("ok"),
    );
    const session = openOnServer(server);
    taskId = session.lanes.start({ command: `until [ -e '${gate}' ]; do sleep 0.05; done; echo stated` }).id;
    // Ctrl+C at the instant the task ends: the wait returns its result, in an answer no request carried.
    const cancel = new AbortController();
    session.lanes.subscribe((event) => {
      if (event.type === "task-end" && event.record.id === taskId) cancel.abort();
    });
    const cancelled = session.send("wait for it", cancel.signal);
    await eventually(() => server?.requests.length === 1, 5000);
    writeFileSync(gate, "");
    await cancelled;
    expect(JSON.stringify(session.messages)).toContain(`[bg:${taskId}] completed, exit 0`);
    expect(server.requests).toHaveLength(1);
    session.startOver();
    await session.send("second", new AbortController().signal);
    expect(JSON.stringify(server.requests[1])).toContain(`[bg:${taskId}] completed, exit 0`);
    await session.lanes.flush();
    expect(session.lanes.get(taskId)?.notified).toBe(true);
  });
});
