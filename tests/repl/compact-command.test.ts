import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { lastUserText } from "../helpers/conversation-checks.js";
import {
  startFakeAnthropic,
  textReply,
  toolReply,
  type FakeAnthropic,
} from "../helpers/fake-anthropic-server.js";
import { runCli, testEnv } from "../helpers/run-cli.js";
import { tempWorkspace } from "../helpers/temp-workspace.js";

let ws: { dir: string; cleanup: () => void };
let server: FakeAnthropic | undefined;
beforeEach(() => (ws = tempWorkspace()));
afterEach(async () => {
  await server?.close();
  server = undefined;
  ws.cleanup();
});

describe("/compact and /context in the REPL", () => {
  it("compacts by hand with a summary from the model, says what it saved, and the next message goes on from the summary", async () => {
    const output = "head -c 6000 /dev/zero | tr '\\0' a; echo";
    server = await startFakeAnthropic((request, index) => {
      const last = lastUserText(request);
      if (last.includes("[lanes: context compaction]"))
        return textReply("SUMMARY: three listings were made.");
      if (last.includes("after compaction")) return textReply("continuing");
      return index < 4 ? toolReply([{ name: "bash", input: { command: output } }]) : textReply("listed");
    });
    const run = await runCli([], {
      cwd: ws.dir,
      env: testEnv({ ANTHROPIC_API_KEY: "sk-test", ANTHROPIC_BASE_URL: server.url, MODEL_ID: "claude-test" }),
      input: "list things\n/context\n/compact\nafter compaction\n/context\n",
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      /context: ~\d+ of 200000 tokens \(\d+%\) · \d+% of \d+ prompt tokens read from cache/,
    );
    const line = /⟲ compacted the conversation \(manual\): ~(\d+) → ~(\d+) tokens, (\d+) saved/.exec(
      run.stdout,
    );
    expect(line, run.stdout).not.toBeNull();
    expect(Number(line![1])).toBeGreaterThan(Number(line![2]));
    const next = server.requests.find((request) => lastUserText(request).includes("after compaction"))!;
    expect(JSON.stringify(next.body.messages[0])).toContain("SUMMARY: three listings were made.");
    expect(run.stdout).toContain("continuing");
  });
});
