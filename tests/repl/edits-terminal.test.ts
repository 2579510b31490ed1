import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { ScriptTurn } from "../../src/model/script-provider.js";
import { useProcessMarker } from "../helpers/process-marker.js";
import { startScriptedRepl } from "../helpers/scripted-repl.js";

const cleanups: Array<() => void> = [];
const marker = useProcessMarker();
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

const TEST_MS = 60_000;
/** The hint once a question is armed and takes keys. */
const ARMED = /^Answer: \[y\]/m;

/** lanes in a tmux pane on a workspace holding `files`, with a scripted model; resolves once the banner shows. */
function startRepl(turns: ScriptTurn[], files: Record<string, string>, args: string[] = []) {
  const prepare = (work: string): void => {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(work, name), text);
  };
  return startScriptedRepl({
    prefix: "lanes-edits-repl-",
    turns,
    marker: marker.value,
    cleanups,
    prepare,
    args,
  });
}

describe("edits in the REPL (a real terminal)", { timeout: TEST_MS }, () => {
  it("an edit shows as a coloured unified diff, and /undo restores the last message's files (a created one removed)", async () => {
    const { term, work } = await startRepl(
      [
        {
          text: "Editing.",
          tool_calls: [
            { name: "edit_file", input: { path: "app.txt", old_text: "beta", new_text: "BETA" } },
            { name: "edit_file", input: { path: "app.txt", old_text: "gamma", new_text: "GAMMA" } },
            { name: "write_file", input: { path: "new.txt", content: "fresh\n" } },
          ],
        },
        { text: "Edits made." },
      ],
      { "app.txt": "alpha\nbeta\ngamma\n" },
    );
    term.type("change it");
    term.keys("Enter");
    await term.waitFor("Edits made.");
    expect(term.screen()).toMatch(/@@ -1,3 \+1,3 @@\n\s+ alpha\n\s+-beta\n\s+\+BETA\n\s+ gamma/);
    // Red for removed lines, green for added ones.
    expect(term.screen(true)).toContain("\u001b[31m-beta");
    expect(term.screen(true)).toContain("\u001b[32m+BETA");
    expect(readFileSync(join(work, "app.txt"), "utf8")).toBe("alpha\nBETA\nGAMMA\n");
    term.type("/undo");
    term.keys("Enter");
    await term.waitFor(/Restored app\.txt, new\.txt \(removed\) to before the last edits/);
    expect(readFileSync(join(work, "app.txt"), "utf8")).toBe("alpha\nbeta\ngamma\n");
    expect(existsSync(join(work, "new.txt"))).toBe(false);
    term.type("/undo");
    term.keys("Enter");
    await term.waitFor("No file edits of this session to undo.");
  });

  it("/undo refuses, naming the file and changing nothing, when a file changed after the edit", async () => {
    const { term, work } = await startRepl(
      [
        {
          text: "Editing.",
          tool_calls: [{ name: "write_file", input: { path: "a.txt", content: "mine\n" } }],
        },
        { text: "Written." },
      ],
      { "a.txt": "original\n" },
    );
    term.type("write it");
    term.keys("Enter");
    await term.waitFor("Written.");
    writeFileSync(join(work, "a.txt"), "changed by hand\n");
    term.type("/undo");
    term.keys("Enter");
    await term.waitFor(/Not undone: changed since the edit: a\.txt/);
    expect(readFileSync(join(work, "a.txt"), "utf8")).toBe("changed by hand\n");
  });

  it("approval untrusted shows the diff and asks before a write: no keeps the file, yes writes it", async () => {
    const edit = (to: string) => ({
      name: "edit_file",
      input: { path: "notes.txt", old_text: "draft", new_text: to },
    });
    const { term, work } = await startRepl(
      [
        { text: "First.", tool_calls: [edit("refused")] },
        { text: "Second.", tool_calls: [edit("accepted")] },
        { text: "Both asked." },
      ],
      { "notes.txt": "draft\n" },
      ["--approval", "untrusted"],
    );
    term.type("edit notes");
    term.keys("Enter");
    await term.waitFor(
      /-draft\n\s+\+refused\n.*\? Change this file\? \(approval: untrusted\)\n\s+notes\.txt/s,
    );
    await term.waitFor(ARMED);
    term.type("n");
    await term.waitFor(/\+accepted\n.*\? Change this file\?/s);
    expect(readFileSync(join(work, "notes.txt"), "utf8")).toBe("draft\n");
    await term.waitFor(ARMED);
    term.type("y");
    await term.waitFor("Both asked.");
    expect(term.screen()).toMatch(/declined this change to notes\.txt; nothing was written/);
    expect(readFileSync(join(work, "notes.txt"), "utf8")).toBe("accepted\n");
  });
});
