import { describe, expect, it } from "vitest";
import { inputWindow } from "../../src/cli/repl/input-window.js";

const options = { columns: 20, budgetRows: 6, prompt: "› ", dim: (text: string) => text };

describe("inputWindow", () => {
  it("shows a short input whole, continuation lines indented, the cursor column counting the prompt and tabs", () => {
    const text = "first\n\tsecond";
    expect(inputWindow(text, text.length, options)).toEqual({
      lines: ["› first", "      second"],
      cursorLine: 1,
      cursorColumn: 2 + 4 + 6,
    });
  });

  it("shows the end of a long paste with the cursor at its end, saying how much is above", () => {
    const text = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join("\n");
    const shown = inputWindow(text, text.length, options);
    expect(shown.lines).toEqual([
      "  … 26 more line(s) above",
      "  line 27",
      "  line 28",
      "  line 29",
      "  line 30",
    ]);
    expect(shown.cursorLine).toBe(4);
  });

  it("keeps the cursor's line in view when it moves up, and says what is below", () => {
    const text = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join("\n");
    const shown = inputWindow(text, text.indexOf("line 3\n"), options);
    expect(shown.lines).toEqual([
      "  … 2 more line(s) above",
      "  line 3",
      "  line 4",
      "  line 5",
      "  line 6",
      "  … 24 more line(s) below",
    ]);
    expect(shown.cursorLine).toBe(1);
  });

  it("counts wrapped rows against the budget", () => {
    const text = `${"x".repeat(50)}\nshort`;
    const shown = inputWindow(text, 0, { ...options, budgetRows: 5 });
    expect(shown.lines).toEqual([`› ${"x".repeat(50)}`, "  … 1 more line(s) below"]);
  });
});
