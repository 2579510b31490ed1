/* eslint-disable @typescript-eslint/no-explicit-any -- JSON output and request bodies are loose in tests */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startFakeOpenAI, textReply, toolReply, type FakeOpenAI } from "../helpers/fake-openai-server.js";
import { runCli, testEnv } from "../helpers/run-cli.js";
import { tempWorkspace } from "../helpers/temp-workspace.js";

let ws: { dir: string; cleanup: () => void };
let server: FakeOpenAI | undefined;
beforeEach(() => (ws = tempWorkspace()));
afterEach(async () => {
  await server?.close();
  server = undefined;
  ws.cleanup();
});

/** The text of every user message in a Chat Completions request, in order. */
function userTexts(body: any): string[] {
  return body.messages.filter((m: any) => m.role === "user").map((m: any) => String(m.content));
}

describe("--provider openai end to end through the CLI and the real openai SDK", () => {
  it("runs a background task for a local model and wakes it with the result after it ended its turn", async () => {
    const fake = await startFakeOpenAI(
      (_request, index) =>
        [
          toolReply([
            { id: "call_bg", name: "background_run", arguments: { command: "sleep 0.5; echo hi" } },
          ]),
          textReply("Started it; I will wait for the result."),
        ][index] ?? textReply("The task printed hi."),
    );
    server = fake;

    const run = await runCli(
      ["-p", "say hi in the background", "--provider", "openai", "--output-format", "json"],
      {
        env: testEnv({ OPENAI_BASE_URL: fake.url + "/v1", MODEL_ID: "local-model" }),
        cwd: ws.dir,
      },
    );

    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const json = JSON.parse(run.stdout);
    expect(json.result).toBe("The task printed hi.");
    expect(json.background_tasks).toHaveLength(1);
    const task = json.background_tasks[0];
    expect(task).toMatchObject({ status: "completed", exit_code: 0 });
    // Request 2 answered the tool call in a tool message tied to the call's id.
    const toolMessage = fake.requests[1]!.body.messages.at(-1);
    expect(toolMessage).toMatchObject({ role: "tool", tool_call_id: "call_bg" });
    expect(toolMessage.content).toMatch(new RegExp(`^Background task ${task.id} started`));
    // Request 3 came from the idle wake: the model had ended its turn, the result arrived as a user message.
    expect(fake.requests).toHaveLength(3);
    const wake = userTexts(fake.requests[2]!.body).at(-1)!;
    expect(wake).toContain("<background-results>");
    expect(wake).toMatch(
      new RegExp(`\\[bg:${task.id}\\] completed, exit 0 in \\S+: sleep 0\\.5; echo hi \\| output: hi\\b`),
    );
    expect(fake.requests.every((request) => request.body.model === "local-model")).toBe(true);
  });
});
