import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { TEST_MARK_VARIABLE, useProcessMarker } from "../helpers/process-marker.js";
import { LANES_BIN } from "../helpers/run-cli.js";
import { tempWorkspace } from "../helpers/temp-workspace.js";
import { requireTmux, TmuxTerminal } from "../helpers/tmux.js";

const cleanups: Array<() => void> = [];
const marker = useProcessMarker();
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

describe("Tab in the REPL (a real terminal)", { timeout: 60_000 }, () => {
  it("completes a slash command and an @path mention, lists ambiguous files, and the message is sent with the mention as written", async () => {
    requireTmux();
    const workspace = tempWorkspace("lanes-tab-repl-");
    cleanups.push(workspace.cleanup);
    const script = join(workspace.dir, "script.json");
    // No scripted turns: the script answers with what the last message carried, so the sent text shows.
    writeFileSync(script, JSON.stringify({ turns: [] }));
    const work = join(workspace.dir, "work");
    mkdirSync(join(work, "src", "parser"), { recursive: true });
    writeFileSync(join(work, "src", "parser", "lexer.ts"), "");
    writeFileSync(join(work, "src", "parser", "lines.ts"), "");
    const term = new TmuxTerminal(
      [process.execPath, LANES_BIN, "--model", `script:${script}`, "--cwd", work],
      {
        cwd: workspace.dir,
        env: {
          PATH: process.env.PATH,
          HOME: workspace.dir,
          XDG_CONFIG_HOME: join(workspace.dir, "config"),
          TERM: "screen-256color",
          [TEST_MARK_VARIABLE]: marker.value,
        },
      },
    );
    cleanups.push(() => term.kill());
    await term.waitFor(/^lanes · script:/m, 25_000);
    term.type("/co");
    term.keys("Tab");
    // /compact, /context and /cost share "/co": it stays, and all three are listed.
    await term.waitFor(/\/compact {2}\/context {2}\/cost/);
    term.type("nt");
    term.keys("Tab");
    await term.waitFor(/^› \/context *$/m);
    term.keys("C-u");
    term.type("look at @sr");
    term.keys("Tab");
    await term.waitFor(/^› look at @src\/$/m);
    term.keys("Tab");
    await term.waitFor(/^› look at @src\/parser\/$/m);
    term.type("l");
    term.keys("Tab");
    await term.waitFor(/@src\/parser\/lexer\.ts {2}@src\/parser\/lines\.ts/);
    term.type("e");
    term.keys("Tab");
    await term.waitFor(/^› look at @src\/parser\/lexer\.ts *$/m);
    term.type("please");
    term.keys("Enter");
    // The scripted model echoes nothing of a file's content: the mention is passed as written.
    await term.waitFor(/› look at @src\/parser\/lexer\.ts please/);
    expect(term.screen()).not.toMatch(/Unknown command/);
  });
});
