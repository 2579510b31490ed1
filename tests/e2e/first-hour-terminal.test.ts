import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  startFakeAnthropic,
  textReply,
  toolReply,
  type FakeAnthropic,
} from "../helpers/fake-anthropic-server.js";
import { TEST_MARK_VARIABLE, useProcessMarker } from "../helpers/process-marker.js";
import { LANES_BIN } from "../helpers/run-cli.js";
import { tempWorkspace } from "../helpers/temp-workspace.js";
import { requireTmux, TmuxTerminal } from "../helpers/tmux.js";

// -p, the demo and the REPL's first question, on a real terminal.
const cleanups: Array<() => Promise<void> | void> = [];
const marker = useProcessMarker();
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function terminal(
  args: string[],
  options: { home?: string; env?: Record<string, string> } = {},
): TmuxTerminal {
  requireTmux();
  const workspace = tempWorkspace("lanes-first-hour-tty-");
  cleanups.push(workspace.cleanup);
  const dir = workspace.dir;
  const home = options.home ?? join(dir, "home");
  mkdirSync(home, { recursive: true });
  const env = {
    PATH: process.env.PATH,
    HOME: home,
    XDG_CONFIG_HOME: join(dir, "config"),
    TERM: "screen",
    NO_COLOR: "1",
    ...options.env,
  };
  const term = new TmuxTerminal([process.execPath, LANES_BIN, ...args], {
    cwd: options.home ?? dir,
    env: { ...env, [TEST_MARK_VARIABLE]: marker.value },
  });
  cleanups.push(() => term.kill());
  return term;
}

async function fakeServer(): Promise<FakeAnthropic> {
  const server = await startFakeAnthropic((request) =>
    request.body.messages.length === 1
      ? toolReply([{ name: "background_run", input: { command: "sleep 120" } }])
      : textReply("started it; waiting"),
  );
  cleanups.push(() => server.close());
  return server;
}

describe("the first hour on a terminal", { timeout: 90_000 }, () => {
  it("-p says on stderr what it waits for, and Ctrl+C ends it with 130", async () => {
    const server = await fakeServer();
    const term = terminal(["-p", "start it"], {
      env: { ANTHROPIC_API_KEY: "sk-test", ANTHROPIC_BASE_URL: server.url },
    });
    await term.waitFor(/waiting for 1 background task to end: \S+ \(sleep 120\); at most 600 s/, 30_000);
    term.keys("C-c");
    const [line] = await term.waitFor(/\[exited \d+\]/, 30_000);
    expect(line).toBe("[exited 130]");
  });

  it("Ctrl+C in lanes demo exits 130 and does not call its killed tasks finished", async () => {
    const term = terminal(["demo"]);
    await term.waitFor(/model idle, \d tasks? still running/, 30_000);
    term.keys("C-c");
    const [line] = await term.waitFor(/\[exited \d+\]/, 30_000);
    expect(line).toBe("[exited 130]");
    const screen = term.screen();
    expect(screen).toMatch(/Interrupted after .* \d tasks? still running (was|were) killed/);
    expect(screen).toMatch(/killed at/);
    expect(screen).not.toMatch(/finished in/);
  });

  it("the REPL started in HOME asks before working there; no ends it saying what to do instead, exit 2", async () => {
    const workspace = tempWorkspace("lanes-first-hour-home-");
    cleanups.push(workspace.cleanup);
    const term = terminal([], { home: workspace.dir, env: { ANTHROPIC_API_KEY: "sk-test" } });
    await term.waitFor(/is not inside a project[\s\S]*Start here anyway\? \[y\/N\]/, 30_000);
    term.type("n");
    term.keys("Enter");
    const [line] = await term.waitFor(/\[exited \d+\]/, 30_000);
    expect(line).toBe("[exited 2]");
    expect(term.screen()).toMatch(
      /Not started: cd into a project \(a folder with \.git\), or pass --cwd DIR/,
    );
  });

  it("lanes mcp on a terminal says what it is and how to add it to a client", async () => {
    const term = terminal(["mcp"]);
    await term.waitFor(/this is an MCP server; it speaks JSON-RPC/, 30_000);
    const screen = term.screen();
    expect(screen).toMatch(/claude mcp add lanes -- node \S+lanes\.js mcp --cwd \//);
    term.keys("C-d");
    await term.waitFor(/\[exited \d+\]/, 30_000);
  });
});
