/* eslint-disable @typescript-eslint/no-explicit-any -- JSON events and request bodies are loose in tests */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  startFakeOpenAI,
  textReply,
  toolReply,
  type FakeHandler,
  type FakeOpenAI,
} from "../helpers/fake-openai-server.js";
import { runCli, testEnv } from "../helpers/run-cli.js";
import { tempWorkspace } from "../helpers/temp-workspace.js";

// A local server with a small window (8k tokens, where lanes would assume 128k) says so in its model list,
// as vLLM does: lanes compacts before the window fills instead of running into the server's refusal.
const WINDOW = 8_000;

let ws: { dir: string; cleanup: () => void };
let server: FakeOpenAI | undefined;
beforeEach(() => (ws = tempWorkspace()));
afterEach(async () => {
  await server?.close();
  server = undefined;
  ws.cleanup();
});

/** Ten turns of about 1,500 tokens of tool output each: the conversation outgrows the window by turn 5. */
const handler: FakeHandler = (request, index) => {
  const body = JSON.stringify(request.body);
  if (body.includes("Reply with the summary only")) return textReply("Summary: printed blocks of x.");
  if (index >= 10 && !body.includes("Reply with the summary only")) return textReply("done");
  const command = `printf 'block${index}:'; head -c 6000 /dev/zero | tr '\\0' x; echo`;
  return toolReply([{ name: "bash", arguments: { command } }]);
};

async function run(models: Record<string, unknown>[] | undefined) {
  server = await startFakeOpenAI(handler, { contextWindow: WINDOW, ...(models ? { models } : {}) });
  const result = await runCli(
    ["-p", "print blocks", "--provider", "openai", "--output-format", "stream-json"],
    {
      env: testEnv({ OPENAI_BASE_URL: server.baseURL, MODEL_ID: "local-model" }),
      cwd: ws.dir,
    },
  );
  const events = result.stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as any);
  const reasons = events.filter((event) => event.type === "compaction").map((event) => event.reason);
  const fake = server;
  await fake.close();
  server = undefined;
  return { result, events, reasons, listings: fake.listings.length };
}

describe("the context window of an OpenAI-compatible server", () => {
  it("is taken from the server's model list (max_model_len): compaction comes before the server refuses", async () => {
    const told = await run([{ id: "local-model", object: "model", max_model_len: WINDOW }]);
    expect(told.result.code, told.result.stderr).toBe(0);
    expect(told.events.at(-1)).toMatchObject({ type: "result", is_error: false, result: "done" });
    expect(told.listings).toBe(1);
    expect(told.reasons.length).toBeGreaterThan(0);
    expect(told.reasons.every((reason: string) => reason === "threshold")).toBe(true);

    // The same server saying nothing: lanes assumes 128k and learns the window only from a refusal.
    const silent = await run(undefined);
    expect(silent.result.code, silent.result.stderr).toBe(0);
    expect(silent.reasons).toContain("refused");
  }, 60_000);
});
