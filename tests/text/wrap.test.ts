import { describe, expect, it } from "vitest";
import { wrapLine } from "../../src/text/wrap.js";
import { createStyle } from "../../src/text/style.js";
import { displayWidth } from "../../src/text/width.js";
import { stripEscapes } from "../../src/text/sanitize.js";

describe("wrapLine", () => {
  it("leaves a line that fits as it is", () => {
    expect(wrapLine("short line", 20)).toEqual(["short line"]);
  });

  it("breaks at the last space that fits, never inside a word", () => {
    const rows = wrapLine("the quick brown fox jumps over the lazy dog", 16);
    expect(rows).toEqual(["the quick brown", "fox jumps over", "the lazy dog"]);
    for (const row of rows) expect(displayWidth(row)).toBeLessThanOrEqual(16);
  });

  it("cuts a word longer than a row, and counts wide characters as two cells", () => {
    expect(wrapLine("abcdefghij", 4)).toEqual(["abcd", "efgh", "ij"]);
    const rows = wrapLine("日本語のテキスト", 6);
    expect(rows).toEqual(["日本語", "のテキ", "スト"]);
  });

  it("hangs a list item's continuation rows under its text", () => {
    expect(wrapLine("- one two three four", 10)).toEqual(["- one two", "  three", "  four"]);
    expect(wrapLine("12. alpha beta gamma", 12)).toEqual(["12. alpha", "    beta", "    gamma"]);
  });

  it("hangs a two-column row's continuation under its second column", () => {
    expect(wrapLine("  /tasks kill ID   end a task and its whole group", 40)).toEqual([
      "  /tasks kill ID   end a task and its",
      "                   whole group",
    ]);
  });

  it("hangs a task row's continuation under the text after its id, a dimmed one too", () => {
    const row = "3f2a1b0c  running 2.0s  tests: npm test";
    expect(wrapLine(row, 26)).toEqual(["3f2a1b0c  running 2.0s", "          tests: npm test"]);
    const dimmed = wrapLine(createStyle(true).dim(row), 26);
    expect(dimmed.map(stripEscapes)).toEqual(["3f2a1b0c  running 2.0s", "          tests: npm test"]);
  });

  it("closes a colour still open at a break and reopens it on the next row", () => {
    const style = createStyle(true);
    const rows = wrapLine(`plain ${style.bold("bold words that run long")} end`, 14);
    expect(rows.map(stripEscapes)).toEqual(["plain bold", "words that run", "long end"]);
    expect(rows[0]?.endsWith("\u001b[0m")).toBe(true);
    expect(rows[1]?.startsWith("\u001b[1m")).toBe(true);
    for (const row of rows) expect(displayWidth(row)).toBeLessThanOrEqual(14);
  });
});
