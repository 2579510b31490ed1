import { afterEach, describe, expect, it } from "vitest";
import { useProcessMarker } from "../helpers/process-marker.js";
import { startScriptedRepl } from "../helpers/scripted-repl.js";

const cleanups: Array<() => void> = [];
const marker = useProcessMarker();
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

// Longer than the 120-column pane: a terminal would break it inside a word.
const PARAGRAPH = Array.from({ length: 24 }, (_, i) => `word${i}-abcdefgh`).join(" ");

const ANSWER = [
  "# Release notes",
  "",
  PARAGRAPH,
  "",
  "Some **bold** words, *leaning* ones and `npm test`.",
  "",
  "| file | lines |",
  "|------|-------|",
  "| a.ts | 1 |",
  "| longer.ts | 300 |",
  "",
  "```ts",
  "const answer = 42;",
  "```",
  "- first point",
  "Done.",
].join("\n");

/** lanes answering ANSWER in a tmux pane; `extraEnv` adds NO_COLOR and the like. */
async function answerShown(extraEnv: Record<string, string> = {}) {
  const { term } = await startScriptedRepl({
    prefix: "lanes-markdown-repl-",
    turns: [{ text: ANSWER }],
    marker: marker.value,
    cleanups,
    env: extraEnv,
  });
  term.type("notes please");
  term.keys("Enter");
  await term.waitFor(/^Done\.$/m);
  return term;
}

describe("Markdown in the REPL (a real terminal)", { timeout: 60_000 }, () => {
  it("renders headings, emphasis, code, lists and an aligned table, without the markup characters", async () => {
    const term = await answerShown();
    const screen = term.screen();
    expect(screen).toMatch(/^RELEASE NOTES$/m);
    expect(screen).toContain("Some bold words, leaning ones and npm test.");
    expect(screen).toMatch(/^file {6}│ lines\n─{9}─┼──{5}\na\.ts {6}│ 1 *\nlonger\.ts │ 300 *$/m);
    expect(screen).toMatch(/^ {2}const answer = 42;$/m);
    expect(screen).not.toContain("```");
    expect(screen).toMatch(/^• first point$/m);
    const start = screen.indexOf("word0-");
    const rows = screen.slice(start, screen.indexOf("word23-abcdefgh") + 15).split("\n");
    expect(rows.length).toBeGreaterThan(1);
    for (const row of rows) {
      expect(row.length).toBeLessThan(120);
      expect(row).toMatch(/^(word\d+-abcdefgh ?)+$/);
    }
    expect(rows.map((row) => row.trim()).join(" ")).toBe(PARAGRAPH);
    const colours = term.screen(true);
    expect(colours).toContain("\u001b[1mbold");
    expect(colours).toContain("\u001b[3mleaning");
  });

  it("with NO_COLOR the answer stays plain text, as the model wrote it", async () => {
    const term = await answerShown({ NO_COLOR: "1" });
    const screen = term.screen();
    expect(screen).toMatch(/^# Release notes$/m);
    expect(screen).toContain("Some **bold** words, *leaning* ones and `npm test`.");
    expect(screen).toContain("| longer.ts | 300 |");
    expect(screen).toContain("```ts");
  });
});
