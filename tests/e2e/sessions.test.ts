import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  startFakeAnthropic,
  textReply,
  toolReply,
  type FakeAnthropic,
  type FakeReply,
} from "../helpers/fake-anthropic-server.js";
import { toolResults, userTexts, wellFormedProblems } from "../helpers/conversation-checks.js";
import { runCli, testEnv } from "../helpers/run-cli.js";
import { tempWorkspace } from "../helpers/temp-workspace.js";

let ws: { dir: string; cleanup: () => void };
const servers: FakeAnthropic[] = [];
beforeEach(() => (ws = tempWorkspace()));
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
  ws.cleanup();
});

async function lanes(args: string[], replies: FakeReply[]) {
  const server = await startFakeAnthropic((_request, index) => replies[index] ?? textReply(`ack ${index}`));
  servers.push(server);
  const env = testEnv({
    ANTHROPIC_API_KEY: "sk-test",
    ANTHROPIC_BASE_URL: server.url,
    MODEL_ID: "claude-test",
  });
  const run = await runCli(args, { cwd: ws.dir, env });
  return { run, server };
}

describe("sessions", () => {
  it("--continue picks up the last conversation with its background task records", async () => {
    const first = await lanes(
      ["-p", "remember the number 42", "--output-format", "json"],
      [
        toolReply([{ name: "background_run", input: { command: "echo from-first-run" } }]),
        textReply("Noted: 42."),
        textReply("done"),
      ],
    );
    expect(first.run.code).toBe(0);
    const firstJson = JSON.parse(first.run.stdout);
    const taskId = firstJson.background_tasks[0].id as string;
    const file = join(ws.dir, ".lanes", "sessions", `${firstJson.session_id}.jsonl`);
    expect(readFileSync(file, "utf8")).toContain("remember the number 42");

    const second = await lanes(
      ["-p", "what number?", "--continue", "--output-format", "json"],
      [toolReply([{ name: "check_background", input: {} }]), textReply("It was 42.")],
    );
    expect(second.run.code).toBe(0);
    const request = second.server.requests[0]!;
    const texts = userTexts(request.body.messages).join("\n");
    expect(texts).toContain("remember the number 42");
    expect(texts).toContain("what number?");
    expect(JSON.stringify(request.body.messages)).toContain("Noted: 42.");
    expect(wellFormedProblems(request.body.messages)).toEqual([]);
    // The earlier run's task is listed again, and its result is not delivered a second time.
    expect(toolResults(second.server.requests[1]!)[0].content).toMatch(new RegExp(`${taskId}\\s+completed`));
    expect(JSON.stringify(second.server.requests.map((r) => r.body.messages.at(-1)))).not.toContain(
      "<background-results>",
    );
    expect(JSON.parse(second.run.stdout).session_id).toBe(firstJson.session_id);
  });

  it("--resume ID resumes that conversation; an unknown id is one clear error", async () => {
    const first = await lanes(["-p", "alpha", "--output-format", "json"], [textReply("one")]);
    const id = JSON.parse(first.run.stdout).session_id as string;
    await lanes(["-p", "beta"], [textReply("two")]);
    const resumed = await lanes(["-p", "gamma", "--resume", id], [textReply("three")]);
    const texts = userTexts(resumed.server.requests[0]!.body.messages);
    expect(texts).toEqual(["alpha", "gamma"]);
    const missing = await lanes(["-p", "x", "--resume", "nope"], []);
    expect(missing.run.code).toBe(2);
    expect(missing.run.stderr).toMatch(
      /^lanes: no session nope in .*sessions; lanes --resume \(without an id\) lists the saved conversations\n$/,
    );
  });
});
