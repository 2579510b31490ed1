import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { useProcessMarker } from "../helpers/process-marker.js";
import { startScriptedRepl } from "../helpers/scripted-repl.js";

const cleanups: Array<() => void> = [];
const marker = useProcessMarker();
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

describe("Tab in the REPL (a real terminal)", { timeout: 60_000 }, () => {
  it("completes a slash command and an @path mention, lists ambiguous files, and the message is sent with the mention as written", async () => {
    // No scripted turns: the script answers with what the last message carried, so the sent text shows.
    const { term } = await startScriptedRepl({
      prefix: "lanes-tab-repl-",
      turns: [],
      marker: marker.value,
      cleanups,
      prepare: (work) => {
        mkdirSync(join(work, "src", "parser"), { recursive: true });
        writeFileSync(join(work, "src", "parser", "lexer.ts"), "");
        writeFileSync(join(work, "src", "parser", "lines.ts"), "");
      },
    });
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
