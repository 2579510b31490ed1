/* eslint-disable @typescript-eslint/no-explicit-any -- request bodies are loose JSON in tests */
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  startFakeAnthropic,
  textReply,
  toolReply,
  type FakeAnthropic,
} from "../helpers/fake-anthropic-server.js";
import { call, connect, type Cleanups } from "../helpers/mcp-client.js";
import { runCli, testEnv } from "../helpers/run-cli.js";
import { tempWorkspace } from "../helpers/temp-workspace.js";

const SECRET = "TOP-SECRET-7f3a";
const REASON = { unsandboxed_reason: "needs to read the real file" };

let ws: { dir: string; cleanup: () => void };
let api: FakeAnthropic | undefined;
const cleanups: Cleanups = [];
beforeEach(() => (ws = tempWorkspace("lanes-leave-")));
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await api?.close();
  api = undefined;
  ws.cleanup();
});

/** A user config (under the workspace's temp dir) hiding `hidden` from commands; returns XDG_CONFIG_HOME. */
function userConfigHiding(hidden: string): string {
  const config = join(ws.dir, "config");
  mkdirSync(join(config, "lanes"), { recursive: true });
  writeFileSync(join(config, "lanes", "config.json"), JSON.stringify({ sandbox_deny_read: [hidden] }));
  return config;
}

/** A secret file in a folder the user's sandbox_deny_read hides. */
function hiddenSecret(): { file: string; config: string } {
  const dir = join(ws.dir, "private");
  mkdirSync(dir);
  writeFileSync(join(dir, "token"), `${SECRET}\n`);
  return { file: join(dir, "token"), config: userConfigHiding(dir) };
}

/**
 * A git repository in the workspace whose .git/config runs a script on `git status` (core.fsmonitor) that
 * writes a marker in a folder outside every writable root. Proves on the host that the plant works.
 */
function fsmonitorRepo(): { repo: string; marker: string } {
  const outside = mkdtempSync(join(homedir(), ".lanes-test-outside-"));
  cleanups.push(() => rmSync(outside, { recursive: true, force: true }));
  const marker = join(outside, "fsmonitor-ran");
  const repo = join(ws.dir, "repo");
  mkdirSync(repo);
  execFileSync("git", ["init", "-q", repo]);
  const script = join(ws.dir, "fsmonitor.sh");
  writeFileSync(script, `#!/bin/sh\necho ran >> '${marker}'\n`);
  chmodSync(script, 0o755);
  execFileSync("git", ["-C", repo, "config", "core.fsmonitor", script]);
  execFileSync("git", ["-C", repo, "status"], { stdio: "ignore" });
  expect(existsSync(marker), "the fsmonitor plant runs on the host").toBe(true);
  rmSync(marker);
  return { repo, marker };
}

/** lanes -p against a fake API whose model makes `calls` once; returns the tool results and every request. */
async function printRun(
  calls: { name: string; input: Record<string, unknown> }[],
  env: Record<string, string>,
) {
  api = await startFakeAnthropic((_request, index) => (index === 0 ? toolReply(calls) : textReply("done")));
  const run = await runCli(["-p", "go"], {
    cwd: ws.dir,
    env: testEnv({ ANTHROPIC_API_KEY: "k", ANTHROPIC_BASE_URL: api.url, MODEL_ID: "claude-test", ...env }),
  });
  expect(run.code, run.stderr).toBe(0);
  const results = (api.requests[1]?.body.messages as any[])
    .flatMap((message) => (Array.isArray(message.content) ? message.content : []))
    .filter((block: any) => block.type === "tool_result")
    .map((block: any) => ({ text: String(block.content), error: block.is_error === true }));
  return { results, sent: JSON.stringify(api.requests.map((request) => request.body)) };
}

describe("read-only commands do not leave the sandbox on their own", () => {
  it("-p: cat of a sandbox_deny_read file with unsandboxed_reason is refused (a workspace allow rule for cat included) and its text never reaches the model", async () => {
    const { file, config } = hiddenSecret();
    // A repository's own config may not grant it either: its allow rules are dropped.
    mkdirSync(join(ws.dir, ".lanes"));
    writeFileSync(join(ws.dir, ".lanes", "config.json"), JSON.stringify({ allow: ["cat"] }));
    const { results, sent } = await printRun(
      [
        { name: "bash", input: { command: `cat ${file}`, ...REASON } },
        { name: "background_run", input: { command: `cat ${file}`, ...REASON } },
        { name: "bash", input: { command: `cat ${file}` } },
      ],
      { XDG_CONFIG_HOME: config },
    );
    for (const refused of results.slice(0, 2)) {
      expect(refused.error).toBe(true);
      expect(refused.text).toMatch(/outside the sandbox needs the user's approval and approval is "never"/);
    }
    expect(results).toHaveLength(3);
    expect(sent).not.toContain(SECRET);
  }, 40_000);

  it("-p: git status with unsandboxed_reason in a repository whose core.fsmonitor is a script never runs it on the host", async () => {
    const { repo, marker } = fsmonitorRepo();
    const { results } = await printRun(
      [
        { name: "bash", input: { command: `git -C ${repo} status`, ...REASON } },
        { name: "bash", input: { command: `cd ${repo} && git status`, ...REASON } },
        { name: "background_run", input: { command: `git -C ${repo} status`, ...REASON } },
        // Inside the sandbox the script may run, but cannot write outside the writable roots.
        { name: "bash", input: { command: `git -C ${repo} status` } },
      ],
      {},
    );
    for (const refused of results.slice(0, 3)) {
      expect(refused.error, refused.text).toBe(true);
      expect(refused.text).toMatch(/approval is "never"/);
    }
    expect(existsSync(marker)).toBe(false);
  }, 40_000);

  it("lanes mcp: background_run of cat (a deny_read file) or git status (fsmonitor) with unsandboxed_reason is refused", async () => {
    const { file, config } = hiddenSecret();
    const { repo, marker } = fsmonitorRepo();
    const connection = await connect(cleanups, ws.dir, { XDG_CONFIG_HOME: config });
    for (const command of [`cat ${file}`, `git -C ${repo} status`]) {
      const reply = await call(connection, "background_run", { command, ...REASON });
      expect(reply.isError, reply.text).toBe(true);
      expect(reply.text).toMatch(/approval is "never"/);
      expect(reply.text).not.toContain(SECRET);
    }
    expect((await call(connection, "check_background", {})).text).toBe("No background tasks.");
    expect(existsSync(marker)).toBe(false);
    expect(JSON.stringify(connection.wire)).not.toContain(SECRET);
  }, 40_000);
});
