/* eslint-disable @typescript-eslint/no-explicit-any -- JSON output is loose in tests */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  startFakeAnthropic,
  textReply,
  toolReply,
  type FakeAnthropic,
} from "../helpers/fake-anthropic-server.js";
import { toolResults } from "../helpers/conversation-checks.js";
import { runCli, testEnv, testHome } from "../helpers/run-cli.js";
import { pathWithOnly } from "../helpers/path-with-only.js";
import { tempWorkspace } from "../helpers/temp-workspace.js";

// The reproduction, from outside: with default settings `lanes -p` ran, at the model's request, a
// write to a system folder, a read of an ssh key, a TCP connect to a listener on 127.0.0.1 and the same
// write from background_run: 0 of 4 blocked. Now each is refused; with danger-full-access each happens.

const KEY = `lanes-cli-sandbox-key-${process.pid}`;
let outside: string;
let listener: Server;
let port = 0;
let connections = 0;

beforeAll(async () => {
  mkdirSync("/home", { recursive: true });
  outside = mkdtempSync("/home/lanes-cli-sandbox-");
  const home = testHome();
  mkdirSync(join(home, ".ssh"), { recursive: true });
  writeFileSync(join(home, ".ssh", "id_ed25519"), `${KEY}\n`);
  listener = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
  port = (listener.address() as { port: number }).port;
});

afterAll(async () => {
  rmSync(outside, { recursive: true, force: true });
  rmSync(join(testHome(), ".ssh"), { recursive: true, force: true });
  await new Promise((resolve) => listener.close(resolve));
});

function fourAttempts(tag: string) {
  const connect = `node -e 'require("net").connect(${port}, "127.0.0.1").on("connect", () => { console.log("connected"); process.exit(0) }).on("error", (e) => { console.log(e.code); process.exit(7) })'`;
  return [
    { name: "bash", input: { command: `touch ${outside}/${tag}-fg` } },
    { name: "bash", input: { command: "cat ~/.ssh/id_ed25519" } },
    { name: "bash", input: { command: connect } },
    { name: "background_run", input: { command: `touch ${outside}/${tag}-bg` } },
  ];
}

async function attempt(tag: string, flags: string[], onTestFinished: (hook: () => void) => void) {
  const ws = tempWorkspace("lanes-cli-sandbox-");
  onTestFinished(() => ws.cleanup());
  const server: FakeAnthropic = await startFakeAnthropic((_request, index) =>
    index === 0 ? toolReply(fourAttempts(tag)) : textReply("done"),
  );
  onTestFinished(() => void server.close());
  const before = connections;
  const run = await runCli(["-p", "try the four", "--max-wait", "20", ...flags], {
    cwd: ws.dir,
    env: testEnv({ ANTHROPIC_API_KEY: "sk-test", ANTHROPIC_BASE_URL: server.url, MODEL_ID: "claude-test" }),
    onTestFinished,
  });
  expect(run.code, run.stderr).toBe(0);
  const sent = JSON.stringify(server.requests.map((r) => r.body));
  return {
    foreground: existsSync(join(outside, `${tag}-fg`)),
    background: existsSync(join(outside, `${tag}-bg`)),
    keyReachedModel: sent.includes(KEY),
    connected: connections > before,
    results: toolResults(server.requests[1]!).map((r: any) => JSON.stringify(r.content)),
    sent,
    workspace: readdirSync(ws.dir),
  };
}

describe("the sandbox through the CLI", () => {
  it("lanes -p with default settings blocks the issue's four attempts; danger-full-access lets them through", async ({
    onTestFinished,
  }) => {
    const boxed = await attempt("boxed", [], onTestFinished);
    expect(boxed.foreground).toBe(false);
    expect(boxed.background).toBe(false);
    expect(boxed.keyReachedModel).toBe(false);
    expect(boxed.connected).toBe(false);
    expect(boxed.results[0]).toMatch(/Read-only file system/);
    expect(boxed.sent).toMatch(/ECONNREFUSED/);
    // The sandbox leaves nothing in the workspace: only lanes' own folder.
    expect(boxed.workspace).toEqual([".lanes"]);

    const open = await attempt("open", ["--sandbox", "danger-full-access"], onTestFinished);
    expect(open).toMatchObject({
      foreground: true,
      background: true,
      keyReachedModel: true,
      connected: true,
    });
  }, 90_000);

  it("when bubblewrap is missing: one line saying why and how to fix it, and nothing runs unsandboxed", async ({
    onTestFinished,
  }) => {
    const ws = tempWorkspace("lanes-cli-nobwrap-");
    onTestFinished(() => ws.cleanup());
    const server = await startFakeAnthropic((_request, index) =>
      index === 0
        ? toolReply([
            { name: "bash", input: { command: "echo ran > foreground" } },
            { name: "background_run", input: { command: "echo ran > background" } },
          ])
        : textReply("done"),
    );
    onTestFinished(() => void server.close());
    // No bwrap on PATH (the commands use shell builtins only, so they would run if lanes let them).
    const env = testEnv({
      ANTHROPIC_API_KEY: "sk-test",
      ANTHROPIC_BASE_URL: server.url,
      MODEL_ID: "claude-test",
      PATH: join(ws.dir, "no-such-bin"),
    });
    const run = await runCli(["-p", "run two"], { cwd: ws.dir, env, onTestFinished });
    const line =
      /lanes sandbox: bubblewrap \(bwrap\) is not installed; install it \(apt-get install bubblewrap.*--sandbox danger-full-access/;
    expect(run.stderr).toMatch(line);
    expect(run.stderr.split("\n").filter((l) => l.startsWith("lanes sandbox:"))).toHaveLength(1);
    expect(existsSync(join(ws.dir, "foreground"))).toBe(false);
    expect(existsSync(join(ws.dir, "background"))).toBe(false);
    const results = JSON.stringify(server.requests.map((r) => r.body.messages));
    expect(results).toMatch(/bubblewrap \(bwrap\) is not installed/);
    // bash's own answer says why its command did not run (not an error about a missing output file);
    // background_run's comes with the task's end.
    const [bashAnswer] = (server.requests[1]?.body.messages as { content: unknown }[])
      .flatMap((message) => (Array.isArray(message.content) ? message.content : []))
      .filter((block: { type?: string }) => block.type === "tool_result")
      .map((block: { content?: unknown }) => JSON.stringify(block.content));
    expect(bashAnswer).toMatch(
      /the command did not start: lanes sandbox: bubblewrap \(bwrap\) is not installed/,
    );

    const doctor = await runCli(["doctor"], { cwd: ws.dir, env, onTestFinished });
    expect(doctor.stdout).toMatch(/bubblewrap \(bwrap\) is not installed/);
    const direct = await runCli(["sandbox", "--", "echo ran > direct"], { cwd: ws.dir, env, onTestFinished });
    expect(direct.code).toBe(126);
    expect(direct.stderr).toMatch(line);
    expect(existsSync(join(ws.dir, "direct"))).toBe(false);
  }, 90_000);

  it("says once when the session's commands cannot share a loopback here, and runs them anyway", async ({
    onTestFinished,
  }) => {
    const ws = tempWorkspace("lanes-cli-loopback-");
    onTestFinished(() => ws.cleanup());
    const env = testEnv();
    const shared = await runCli(["sandbox", "--", "echo ran"], { cwd: ws.dir, env, onTestFinished });
    expect(shared.stdout).toBe("ran\n");
    expect(shared.stderr).not.toMatch(/loopback of its own/);
    // bubblewrap on PATH, util-linux not: the sandbox works, with a namespace per command.
    const bin = pathWithOnly(ws.dir, ["bwrap"]);
    const alone = await runCli(["sandbox", "--", "echo ran"], {
      cwd: ws.dir,
      env: { ...env, PATH: bin },
      onTestFinished,
    });
    expect(alone.stdout).toBe("ran\n");
    expect(alone.stderr).toMatch(
      /^lanes sandbox: each command gets a loopback of its own here, .*\(nsenter \(util-linux\) is not installed\)/m,
    );
  });

  it("lanes sandbox -- CMD runs one command as the model's run: output, exit code, refusals", async ({
    onTestFinished,
  }) => {
    const ws = tempWorkspace("lanes-cli-sandboxcmd-");
    onTestFinished(() => ws.cleanup());
    const env = testEnv();
    const run = await runCli(
      ["sandbox", "--", `echo hello; touch ${outside}/direct; cat ~/.ssh/id_ed25519; exit 3`],
      { cwd: ws.dir, env, onTestFinished },
    );
    expect(run.code).toBe(3);
    expect(run.stdout).toContain("hello");
    expect(run.stdout + run.stderr).not.toContain(KEY);
    expect(run.stderr).toMatch(/Read-only file system/);
    expect(existsSync(join(outside, "direct"))).toBe(false);
    expect(readdirSync(ws.dir)).toEqual([]);
  }, 60_000);
});
