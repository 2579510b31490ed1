import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { ScriptTurn } from "../../src/model/script-provider.js";
import { TEST_MARK_VARIABLE, useProcessMarker } from "../helpers/process-marker.js";
import { LANES_BIN, runCli, testEnv } from "../helpers/run-cli.js";
import { tempWorkspace } from "../helpers/temp-workspace.js";
import { requireTmux, TmuxTerminal } from "../helpers/tmux.js";

const cleanups: Array<() => void> = [];
const marker = useProcessMarker();
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

const STARTUP_MS = 25_000;
const TEST_MS = 60_000;

/** A workspace with a `work` folder and scripts; `start` opens lanes on it in a tmux pane. */
function setup(scripts: Record<string, ScriptTurn[]>) {
  requireTmux();
  const workspace = tempWorkspace("lanes-first-hour-");
  cleanups.push(workspace.cleanup);
  const paths: Record<string, string> = {};
  for (const [name, turns] of Object.entries(scripts)) {
    paths[name] = join(workspace.dir, `${name}.json`);
    writeFileSync(paths[name], JSON.stringify({ turns }));
  }
  const work = join(workspace.dir, "work");
  const env = {
    PATH: process.env.PATH,
    HOME: workspace.dir,
    XDG_CONFIG_HOME: join(workspace.dir, "config"),
    TERM: "screen-256color",
    [TEST_MARK_VARIABLE]: marker.value,
  };
  const start = async (script: string, args: string[] = []) => {
    const term = new TmuxTerminal(
      [process.execPath, LANES_BIN, "--model", `script:${paths[script]}`, "--cwd", work, ...args],
      { cwd: workspace.dir, env },
    );
    cleanups.push(() => term.kill());
    await term.waitFor(/^lanes · script:/m, STARTUP_MS);
    return term;
  };
  return { work, paths, start, dir: workspace.dir };
}

function send(term: TmuxTerminal, text: string): void {
  term.type(text);
  term.keys("Enter");
}

describe(
  "what a Claude Code user reaches for in the first hour (a real terminal)",
  { timeout: TEST_MS },
  () => {
    it("the header shows sandbox and approval; Esc cancels the model's turn", async () => {
      const ws = setup({ slow: [{ text: "never shown", delay_ms: 120_000 }] });
      const { mkdirSync } = await import("node:fs");
      mkdirSync(ws.work);
      const term = await ws.start("slow", ["--sandbox", "read-only", "--approval", "untrusted"]);
      await term.waitFor(/^sandbox read-only · approval untrusted$/m);
      send(term, "think hard");
      await term.waitFor(/Ctrl\+C cancel/);
      term.keys("Escape");
      await term.waitFor("Cancelled. Background tasks keep running");
      expect(term.screen()).not.toContain("never shown");
    });

    it("!cmd runs in the sandbox and shows its output without a model turn; /cost, /model show and switch", async () => {
      const ws = setup({
        first: [{ text: "From the first script." }],
        second: [{ text: "From the second script." }],
      });
      const { mkdirSync } = await import("node:fs");
      mkdirSync(ws.work);
      const term = await ws.start("first");
      send(term, "/cost");
      await term.waitFor("cost: no model calls yet in this session");
      send(term, "!echo shell-said-$((6*7)); touch /outside-the-sandbox-test 2>&1; echo done");
      await term.waitFor(/shell-said-42\n.*outside-the-sandbox-test.*\n\s*done/);
      // The command ran without the model: no turn started, so there is still no cost.
      send(term, "/cost");
      await term.waitFor(/cost: no model calls yet in this session\n(.|\n)*cost: no model calls yet/);
      send(term, "/model");
      await term.waitFor(/model: script:.*first\.json \(\/model ID switches\)/);
      send(term, `/model script:${ws.paths.second}`);
      await term.waitFor(/model: script:.*second\.json from the next message on/);
      send(term, "hello");
      await term.waitFor("From the second script.");
      expect(term.screen()).not.toContain("From the first script.");
      send(term, "/cost");
      await term.waitFor(/cost: \d+ token-units .*\n\s+prompt: \d+ tokens, \d+% read from cache/);
    });

    it("/resume lists this workspace's conversations and continues one; lanes --resume without an id lists them", async () => {
      const ws = setup({ chat: [{ text: "First answer." }, { text: "Second answer." }] });
      const { mkdirSync } = await import("node:fs");
      mkdirSync(ws.work);
      const term = await ws.start("chat");
      send(term, "remember the walrus");
      await term.waitFor("First answer.");
      send(term, "/clear");
      await term.waitFor("New conversation");
      send(term, "/resume");
      await term.waitFor(
        /Saved conversations \(newest first\).*\n\s+1\. \S+ {2}\S+ \S+ {2}remember the walrus/,
      );
      send(term, "/resume 1");
      await term.waitFor(/Resumed \S+ \(2 message\(s\)\)/);
      send(term, "/resume 7");
      await term.waitFor("No conversation number 7 (see /resume).");
      const listing = await runCli(["--resume", "--cwd", ws.work], { cwd: ws.dir, env: testEnv() });
      expect(listing.code, listing.stderr).toBe(0);
      expect(listing.stdout).toMatch(/^1\. \S+ {2}\S+ \S+ {2}remember the walrus$/m);
      expect(listing.stdout).toContain("Continue one with: lanes --resume ID");
    });
  },
);
