import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { ScriptTurn } from "../../src/model/script-provider.js";
import { TEST_MARK_VARIABLE, useProcessMarker } from "../helpers/process-marker.js";
import { LANES_BIN } from "../helpers/run-cli.js";
import { tempWorkspace } from "../helpers/temp-workspace.js";
import { requireTmux, TmuxTerminal } from "../helpers/tmux.js";

const cleanups: Array<() => void> = [];
const marker = useProcessMarker();
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

const STARTUP_MS = 25_000;
const TEST_MS = 60_000;

/** lanes in a tmux pane with a scripted model; resolves once the banner (or `ready`) shows. */
async function startRepl(turns: ScriptTurn[], args: string[] = [], ready: RegExp = /^lanes · script:/m) {
  requireTmux();
  const workspace = tempWorkspace("lanes-approval-repl-");
  cleanups.push(workspace.cleanup);
  const script = join(workspace.dir, "script.json");
  writeFileSync(script, JSON.stringify({ turns }));
  const work = join(workspace.dir, "work");
  const config = join(workspace.dir, "config");
  const setup = { work, config, dir: workspace.dir };
  return {
    ...setup,
    /** `typeAhead`: keys typed at once, before lanes can have drawn anything. */
    start: async (before?: () => void, typeAhead?: string) => {
      before?.();
      const term = new TmuxTerminal(
        [process.execPath, LANES_BIN, "--model", `script:${script}`, "--cwd", work, ...args],
        {
          cwd: workspace.dir,
          env: {
            PATH: process.env.PATH,
            HOME: workspace.dir,
            XDG_CONFIG_HOME: config,
            TERM: "screen-256color",
            [TEST_MARK_VARIABLE]: marker.value,
          },
        },
      );
      cleanups.push(() => term.kill());
      if (typeAhead !== undefined) term.type(typeAhead);
      await term.waitFor(ready, STARTUP_MS);
      return term;
    },
  };
}

/** A folder outside every writable root of workspace-write: only an escalated command can write in it. */
function outsideDir(): string {
  const dir = mkdtempSync(join(homedir(), ".lanes-test-outside-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const ASKED = "The model asks to run this outside the sandbox";
/** The hint once a question is armed and takes keys. */
const ARMED = /^Answer: \[y\]/m;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A deliberate answer: waits until the question is armed (the hint lists the keys), then presses `key`. */
async function answer(term: TmuxTerminal, key: string): Promise<void> {
  await term.waitFor(ARMED);
  term.type(key);
}

describe("approvals in the REPL (a real terminal)", { timeout: TEST_MS }, () => {
  it("a request to run outside the sandbox: yes runs it outside, no refuses it, 'same way' is saved in the user config and the next matching command is not asked", async () => {
    const outside = outsideDir();
    const escalate = (name: string) => ({
      name: "bash",
      input: { command: `git init -q ${outside}/${name}`, unsandboxed_reason: `needs to write ${name}` },
    });
    const repl = await startRepl([
      { text: "First.", tool_calls: [escalate("yes-once")] },
      { text: "Second.", tool_calls: [escalate("refused")] },
      { text: "Third.", tool_calls: [escalate("same-way")] },
      { text: "Fourth.", tool_calls: [escalate("remembered")] },
      { text: "All four asked." },
    ]);
    const term = await repl.start(() => mkdirSync(repl.work));
    term.type("write outside");
    term.keys("Enter");
    await term.waitFor(/reason: needs to write yes-once/);
    await term.waitFor(
      /\[y\] yes, once {3}\[a\] yes, and don't ask again for commands starting `git init` {3}\[n\] no/,
    );
    await answer(term, "y");
    await term.waitFor(/reason: needs to write refused/);
    expect(existsSync(join(outside, "yes-once"))).toBe(true);
    await answer(term, "n");
    await term.waitFor(/reason: needs to write same-way/);
    // "Don't ask again" takes a second, deliberate yes: `a` alone saves nothing.
    await answer(term, "a");
    await term.waitFor(/Save `git init` in your config[^?]*\?\n\s+\[y\] yes, save it {3}\[n\] back/);
    expect(existsSync(join(repl.config, "lanes", "config.json"))).toBe(false);
    await term.waitFor(/^Answer: \[y\] yes, save it/m);
    term.type("y");
    await term.waitFor(/saved: commands starting `git init` run without asking here/);
    await term.waitFor("All four asked.");
    expect(existsSync(join(outside, "refused"))).toBe(false);
    expect(existsSync(join(outside, "same-way"))).toBe(true);
    expect(existsSync(join(outside, "remembered"))).toBe(true);
    // Three questions, not four: the fourth command matched the remembered rule.
    expect(term.screen().split(ASKED).length - 1).toBe(3);
    expect(term.screen()).toMatch(/declined to run this command outside the sandbox/);
    const saved = JSON.parse(readFileSync(join(repl.config, "lanes", "config.json"), "utf8"));
    expect(Object.values(saved.workspaces)).toEqual([{ allow: ["git init"] }]);
  });

  it("approval untrusted asks before rm but not before ls, a guard hit is a question; no keeps the file", async () => {
    const repl = await startRepl(
      [
        { text: "Looking.", tool_calls: [{ name: "bash", input: { command: "ls" } }] },
        { text: "Removing.", tool_calls: [{ name: "bash", input: { command: "rm notes.txt" } }] },
        { text: "Wiping.", tool_calls: [{ name: "bash", input: { command: "rm -rf ~" } }] },
        { text: "Done here." },
      ],
      ["--approval", "untrusted"],
    );
    const term = await repl.start(() => {
      mkdirSync(repl.work);
      writeFileSync(join(repl.work, "notes.txt"), "keep me");
    });
    term.type("tidy up");
    term.keys("Enter");
    await term.waitFor(/Run this command\? \(approval: untrusted\)\n\s+rm notes\.txt/);
    expect(term.screen()).toContain("notes.txt");
    expect(term.screen().match(/Run this command\?/g)).toHaveLength(1);
    await answer(term, "n");
    // A guard hit is a question too, with no "same way" offered.
    await term.waitFor(
      /The safety guard flags this command \(rm -r on ~.*\n\s+rm -rf ~\n\s+Run it anyway\?\n\s+\[y\] yes, once {3}\[n\] no/,
    );
    await answer(term, "n");
    await term.waitFor("Done here.");
    expect(term.screen()).toContain("The user declined to run this command");
    expect(term.screen()).toContain("declined to run it anyway");
    expect(readFileSync(join(repl.work, "notes.txt"), "utf8")).toBe("keep me");
  });

  it('keys typed ahead ("also please add tests") do not answer a question that appears meanwhile: they stay in the prompt, nothing is saved, a deliberate answer later works', async () => {
    const outside = outsideDir();
    const command = `git init -q ${outside}/typed-ahead`;
    const repl = await startRepl([
      {
        text: "Setting up.",
        delay_ms: 1500,
        tool_calls: [{ name: "bash", input: { command, unsandboxed_reason: "needs a repository there" } }],
      },
      { text: "Set up." },
    ]);
    const term = await repl.start(() => mkdirSync(repl.work));
    term.type("set it up");
    term.keys("Enter");
    // The user types their next message, a key every 100 ms, while the model thinks; the question appears
    // mid-sentence and the typing goes on for 12 more keys (each stretch of 12 holds an `a`).
    const sentence = "also please add tests ".repeat(10);
    let typed = 0;
    let afterQuestion = -1;
    while (typed < sentence.length && afterQuestion < 12) {
      term.type(sentence.charAt(typed++));
      if (afterQuestion >= 0) afterQuestion++;
      else if (term.screen().includes("reason: needs a repository there")) afterQuestion = 0;
      await sleep(100);
    }
    expect(afterQuestion, "the question appeared while the user typed").toBe(12);
    const prompt = `› ${sentence.slice(0, Math.min(typed, 100)).trimEnd()}`;
    await term.waitFor(prompt);
    const open = term.screen();
    expect(open).not.toMatch(/→/);
    expect(open).toMatch(/waiting for your answer, nothing runs yet/);
    expect(open).not.toMatch(/^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] bash\(git init/m);
    expect(existsSync(join(outside, "typed-ahead"))).toBe(false);
    expect(existsSync(join(repl.config, "lanes", "config.json"))).toBe(false);
    await answer(term, "y");
    await term.waitFor("Set up.");
    expect(term.screen()).toMatch(/→ yes, once/);
    expect(term.screen()).toContain(prompt);
    expect(existsSync(join(outside, "typed-ahead"))).toBe(true);
    expect(existsSync(join(repl.config, "lanes", "config.json"))).toBe(false);
  });

  it("asks once whether to trust a workspace whose .env sets ANTHROPIC_BASE_URL, with one armed key like an approval; a key typed too soon is dropped; no is stored and the line says what was ignored", async () => {
    const repl = await startRepl([{ text: "hi" }], [], /\[y\] yes, trust it {3}\[n\] no/);
    // A `y` typed before the question appeared answers nothing.
    const term = await repl.start(() => {
      mkdirSync(repl.work);
      writeFileSync(join(repl.work, ".env"), "ANTHROPIC_BASE_URL=http://127.0.0.1:9\nPORT=3000\n");
    }, "y");
    expect(term.screen()).toContain("sets ANTHROPIC_BASE_URL");
    expect(term.screen()).toContain("`lanes trust --revoke`");
    await term.waitFor(/\[y\] yes, trust it {3}\[n\] no ›/);
    expect(term.screen()).not.toMatch(/→/);
    term.type("n");
    await term.waitFor(/→ no/);
    await term.waitFor(/ignored ANTHROPIC_BASE_URL from \.env: this workspace is not trusted/);
    await term.waitFor(/^lanes · script:/m);
    const saved = JSON.parse(readFileSync(join(repl.config, "lanes", "config.json"), "utf8"));
    expect(Object.values(saved.workspaces)).toEqual([{ trusted: false }]);
  });
});
