/* eslint-disable @typescript-eslint/no-explicit-any -- request bodies are loose JSON in tests */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  startFakeAnthropic,
  textReply,
  toolReply,
  type FakeAnthropic,
} from "../helpers/fake-anthropic-server.js";
import { runCli, testEnv } from "../helpers/run-cli.js";
import { tempWorkspace } from "../helpers/temp-workspace.js";

let ws: { dir: string; cleanup: () => void };
let api: FakeAnthropic | undefined;
beforeEach(() => (ws = tempWorkspace("lanes-approval-")));
afterEach(async () => {
  await api?.close();
  ws.cleanup();
});

/** Runs lanes -p against a fake API that makes `calls` once; returns the tool results it was sent. */
async function printRun(
  calls: { name: string; input: Record<string, unknown> }[],
  args: string[] = [],
  extraEnv: Record<string, string> = {},
) {
  api = await startFakeAnthropic((_request, index) => (index === 0 ? toolReply(calls) : textReply("done")));
  const env = testEnv({
    ANTHROPIC_API_KEY: "k",
    ANTHROPIC_BASE_URL: api.url,
    MODEL_ID: "claude-test",
    ...extraEnv,
  });
  const run = await runCli(["-p", "go", ...args], { cwd: ws.dir, env });
  expect(run.code, run.stderr).toBe(0);
  const results = (api.requests[1]?.body.messages as any[])
    .flatMap((message) => (Array.isArray(message.content) ? message.content : []))
    .filter((block: any) => block.type === "tool_result");
  return results.map((block: any) => ({ text: String(block.content), error: block.is_error === true }));
}

describe("approvals with -p: nobody can be asked, so a question becomes a refusal", () => {
  it("refuses a request to run outside the sandbox (bash and background_run) and runs nothing of it", async () => {
    const reason = { unsandboxed_reason: "needs to write outside the workspace" };
    const results = await printRun([
      { name: "bash", input: { command: "touch escaped-fg", ...reason } },
      { name: "background_run", input: { command: "touch escaped-bg", ...reason } },
      { name: "bash", input: { command: "touch inside" } },
    ]);
    for (const refused of results.slice(0, 2)) {
      expect(refused.error).toBe(true);
      expect(refused.text).toMatch(/outside the sandbox needs the user's approval and approval is "never"/);
    }
    expect(results[2]).toEqual({ text: "(no output)", error: false });
    expect(existsSync(join(ws.dir, "escaped-fg"))).toBe(false);
    expect(existsSync(join(ws.dir, "escaped-bg"))).toBe(false);
    expect(existsSync(join(ws.dir, "inside"))).toBe(true);
  }, 30_000);

  it("--approval untrusted runs ls but refuses rm (it is not known to only read)", async () => {
    writeFileSync(join(ws.dir, "keep.txt"), "x");
    const results = await printRun(
      [
        { name: "bash", input: { command: "ls" } },
        { name: "bash", input: { command: "rm keep.txt" } },
      ],
      ["--approval", "untrusted"],
    );
    expect(results[0]).toEqual({ text: expect.stringContaining("keep.txt"), error: false });
    expect(results[1]?.error).toBe(true);
    expect(results[1]?.text).toMatch(/Approval is "untrusted".*nobody can be asked/);
    expect(existsSync(join(ws.dir, "keep.txt"))).toBe(true);
  }, 30_000);

  it("an allow rule in the user's config grants the request: that one command runs outside the sandbox", async () => {
    // Outside every writable root of workspace-write (the workspace, the temp folders, ~/.npm, ~/.cache).
    const outside = mkdtempSync(join(homedir(), ".lanes-test-outside-"));
    try {
      const config = join(ws.dir, "config");
      mkdirSync(join(config, "lanes"), { recursive: true });
      writeFileSync(join(config, "lanes", "config.json"), JSON.stringify({ allow: ["touch"] }));
      const results = await printRun(
        [
          { name: "bash", input: { command: `touch ${outside}/sandboxed` } },
          {
            name: "bash",
            input: { command: `touch ${outside}/escalated`, unsandboxed_reason: "writes outside" },
          },
        ],
        [],
        { XDG_CONFIG_HOME: config },
      );
      expect(results[0]?.text).toMatch(/Read-only file system|Permission denied/);
      expect(results[1]).toEqual({ text: "(no output)", error: false });
      expect(existsSync(join(outside, "sandboxed"))).toBe(false);
      expect(existsSync(join(outside, "escalated"))).toBe(true);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  }, 30_000);
});
