import { spawnSync } from "node:child_process";
import { closeSync, existsSync, openSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AgentEvent } from "../../src/agent/events.js";
import { ConfigSchema } from "../../src/config/config.js";
import { createAnthropicProvider } from "../../src/model/anthropic-provider.js";
import { Session } from "../../src/session/session.js";
import { userTexts } from "../helpers/conversation-checks.js";
import {
  startFakeAnthropic,
  textReply,
  toolReply,
  type FakeAnthropic,
} from "../helpers/fake-anthropic-server.js";
import { useProcessMarker } from "../helpers/process-marker.js";
import { eventually, tempWorkspace } from "../helpers/temp-workspace.js";

const marker = useProcessMarker();
let ws: { dir: string; cleanup: () => void };
let fake: FakeAnthropic | undefined;
beforeEach(() => (ws = tempWorkspace()));
afterEach(async () => {
  await fake?.close();
  ws.cleanup();
});

/**
 * A task held at a gate: a FIFO it has open for reading (so `ready-NAME` proves it is waiting) and reads to
 * EOF, which comes for every task at the same instant when the test closes the only writer. `after` seconds
 * later it ends: B and C end 15 ms after A, "a few ms apart" as three `sleep 2` started in one turn do.
 */
function gated(name: string, after: number): string {
  return `{ : > ready-${name}; cat > /dev/null; } < gate; sleep ${after}; echo ${name}-done`;
}

describe("results that land together", () => {
  it("reach the model in one call: three tasks ending within ms of each other take 4 requests, not 5", async () => {
    const dir = ws.dir;
    expect(spawnSync("mkfifo", [join(dir, "gate")]).status).toBe(0);
    // Opened read-write, the test's end never blocks, and the tasks' opens find a writer at once.
    const writer = openSync(join(dir, "gate"), "r+");
    const commands = [gated("a", 0), gated("b", 0.015), gated("c", 0.015)];
    fake = await startFakeAnthropic((_request, index) => {
      if (index === 0)
        return toolReply(commands.map((command) => ({ name: "background_run", input: { command } })));
      // A second tool turn, as in the Try It (three slow commands while a file is written).
      if (index === 1)
        return toolReply([{ name: "write_file", input: { path: "notes.md", content: "x\n" } }]);
      return textReply(index === 2 ? "Waiting for the three." : "All three are in.");
    });
    const provider = createAnthropicProvider({
      model: "fake",
      apiKey: "-",
      baseURL: fake.url,
      maxRetries: 0,
    });
    const config = ConfigSchema.parse({ max_wait_ms: 30_000, pass_secrets_to_commands: false });
    const released = { done: false };
    const release = async (): Promise<void> => {
      const ready = () => ["a", "b", "c"].every((name) => existsSync(join(dir, `ready-${name}`)));
      expect(await eventually(ready, 20_000)).toBe(true);
      released.done = true;
      closeSync(writer);
    };
    let releasing: Promise<void> | undefined;
    const emit = (event: AgentEvent): void => {
      // The loop is idle-waiting: only now do the three end, so their results arrive by idle wake.
      if (event.type === "idle-wait") releasing ??= release();
    };
    const previous = process.env.LANES_TEST_MARK;
    process.env.LANES_TEST_MARK = marker.value;
    const session = new Session({
      workspace: dir,
      env: process.env,
      ownerPid: process.pid,
      config,
      idleWake: true,
      emit,
      provider,
    });
    try {
      await session.send("run the three and write the notes", AbortSignal.timeout(30_000));
    } finally {
      await session.close();
      if (previous === undefined) delete process.env.LANES_TEST_MARK;
      else process.env.LANES_TEST_MARK = previous;
      if (!released.done) closeSync(writer);
    }
    await releasing;
    // What each request brought new: its last message (the history before it was sent already).
    const added = fake.requests.map((request) => userTexts([request.body.messages.at(-1)]).join("\n"));
    const carrying = added.filter((text) => text.includes("<background-results>"));
    expect(carrying, "requests bringing results").toHaveLength(1);
    for (const name of ["a", "b", "c"]) expect(carrying[0]).toContain(`${name}-done`);
    expect(fake.requests).toHaveLength(4);
  });
});
