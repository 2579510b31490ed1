import { describe, expect, it } from "vitest";
import { LiveScreen } from "../../src/cli/repl/screen.js";
import { charWidth } from "../../src/text/width.js";

/**
 * Just enough of a VT100 to check the row arithmetic: autowrap with the pending-wrap state real terminals
 * have, CR, LF (with ONLCR), cursor up/down/column, erase below and to end of line, scrolling at the bottom.
 */
class FakeTerminal {
  readonly writes: string[] = [];
  readonly destroyed = false;
  scrolled = 0;
  private grid: string[][];
  private x = 0;
  private y = 0;
  private pendingWrap = false;

  constructor(
    readonly columns: number,
    readonly rows: number,
  ) {
    this.grid = Array.from({ length: rows }, () => this.blankRow());
  }

  write(data: string): boolean {
    this.writes.push(data);
    for (let i = 0; i < data.length;) {
      // eslint-disable-next-line no-control-regex
      const csi = /^\u001b\[(\??)([\d;]*)([A-Za-z])/.exec(data.slice(i));
      if (csi) {
        this.control(csi[3] ?? "", Number(csi[2] || "0"), csi[1] === "?");
        i += csi[0].length;
        continue;
      }
      const char = String.fromCodePoint(data.codePointAt(i) ?? 32);
      i += char.length;
      if (char === "\r") [this.x, this.pendingWrap] = [0, false];
      else if (char === "\n") {
        [this.x, this.pendingWrap] = [0, false];
        this.lineFeed();
      } else this.put(char);
    }
    return true;
  }

  /** The screen's rows, trailing blanks trimmed, trailing empty rows dropped. */
  text(): string {
    const lines = this.grid.map((row) => row.join("").replace(/\0/g, "").trimEnd());
    while (lines.length > 0 && lines.at(-1) === "") lines.pop();
    return lines.join("\n");
  }

  get cursor(): { x: number; y: number } {
    return { x: this.x, y: this.y };
  }

  private blankRow(): string[] {
    return Array.from({ length: this.columns }, () => " ");
  }

  private put(char: string): void {
    const width = charWidth(char);
    if (this.pendingWrap) {
      [this.x, this.pendingWrap] = [0, false];
      this.lineFeed();
    }
    const row = this.grid[this.y] ?? [];
    row[this.x] = char;
    if (width === 2) row[this.x + 1] = "\0";
    this.x += width;
    if (this.x >= this.columns) [this.x, this.pendingWrap] = [this.columns - 1, true];
  }

  private lineFeed(): void {
    if (this.y < this.rows - 1) this.y++;
    else {
      this.grid.shift();
      this.grid.push(this.blankRow());
      this.scrolled++;
    }
  }

  private control(final: string, n: number, privateMode: boolean): void {
    if (privateMode) return;
    this.pendingWrap = false;
    if (final === "A") this.y = Math.max(0, this.y - (n || 1));
    else if (final === "B") this.y = Math.min(this.rows - 1, this.y + (n || 1));
    else if (final === "G") this.x = Math.min(this.columns - 1, (n || 1) - 1);
    else if (final === "H") [this.x, this.y] = [0, 0];
    else if (final === "K") this.clearRow(this.y, this.x);
    else if (final === "J" && n === 0) {
      this.clearRow(this.y, this.x);
      for (let y = this.y + 1; y < this.rows; y++) this.clearRow(y, 0);
    } else if (final === "J" && n === 2) for (let y = 0; y < this.rows; y++) this.clearRow(y, 0);
  }

  private clearRow(y: number, from: number): void {
    const row = this.grid[y] ?? [];
    for (let x = from; x < this.columns; x++) row[x] = " ";
  }
}

function setup(columns = 40, rows = 12) {
  const terminal = new FakeTerminal(columns, rows);
  const screen = new LiveScreen(terminal as unknown as NodeJS.WriteStream);
  return { terminal, screen };
}

const prompt = (text: string) => ({
  lines: ["● 1 running", `› ${text}`],
  cursor: { line: 1, column: 2 + text.length },
});

describe("LiveScreen", () => {
  it("writes nothing when the frame did not change, so a 500 ms status tick costs nothing", () => {
    const { terminal, screen } = setup();
    screen.render(prompt("hi"));
    const writes = terminal.writes.length;
    screen.render(prompt("hi"));
    screen.render(prompt("hi"));
    expect(terminal.writes.length).toBe(writes);
  });

  it("rewrites only a changed line in place: no erase of the screen below, no newline, nothing scrolls", () => {
    const { terminal, screen } = setup(40, 6);
    for (let i = 0; i < 10; i++) screen.print(`output ${i}\n`);
    screen.render(prompt("typing"));
    const scrolled = terminal.scrolled;
    terminal.writes.length = 0;
    for (let second = 1; second <= 5; second++)
      screen.render({ ...prompt("typing"), lines: [`● 1 running ${second}s`, "› typing"] });
    const written = terminal.writes.join("");
    expect(written).not.toContain("\n");
    expect(written).not.toContain("\u001b[J");
    expect(terminal.scrolled).toBe(scrolled);
    expect(terminal.text()).toBe("output 6\noutput 7\noutput 8\noutput 9\n● 1 running 5s\n› typing");
    expect(terminal.cursor).toEqual({ x: 8, y: 5 });
  });

  it("prints output above the live area, completing a streamed line in place", () => {
    const { terminal, screen } = setup();
    screen.render(prompt(""));
    screen.print("Hel");
    expect(terminal.text()).toBe("Hel\n● 1 running\n›");
    screen.print("lo\nWor");
    screen.print("ld\n");
    expect(terminal.text()).toBe("Hello\nWorld\n● 1 running\n›");
  });

  it("puts a notice above an unfinished streamed line instead of splitting it", () => {
    const { terminal, screen } = setup();
    screen.render(prompt(""));
    screen.print("The answer is");
    screen.printAbove("■ [bg:ab12] completed");
    screen.print(" 42.\n");
    expect(terminal.text()).toBe("■ [bg:ab12] completed\nThe answer is 42.\n● 1 running\n›");
  });

  it("keeps rows right for lines exactly as wide as the terminal, wrapped input and wide characters", () => {
    const { terminal, screen } = setup(20, 12);
    const status = "s".repeat(20);
    const input = `${"a".repeat(25)}漢字`;
    screen.render({ lines: [status, `› ${input}`], cursor: { line: 1, column: 2 + 25 + 4 } });
    screen.print("one\n");
    screen.render({ lines: [`${"t".repeat(20)}`, `› ${input}`], cursor: { line: 1, column: 2 } });
    screen.print("two\n");
    expect(terminal.text()).toBe(`one\ntwo\n${"t".repeat(20)}\n\n› ${"a".repeat(18)}\n${"a".repeat(7)}漢字`);
    expect(terminal.cursor).toEqual({ x: 2, y: 4 });
  });

  it("gives a very long unfinished line's full rows to the transcript so the live area stays small", () => {
    const { terminal, screen } = setup(10, 15);
    screen.render(prompt(""));
    screen.print("x".repeat(95));
    // A third of 15 rows: the held line keeps under 5 full rows; the rest went to the transcript already.
    screen.printAbove("notice");
    const rows = (n: number) => Array.from({ length: n }, () => "x".repeat(10));
    expect(terminal.text()).toBe(
      [...rows(5), "notice", ...rows(4), "xxxxx", "● 1 runnin", "g", "›"].join("\n"),
    );
    expect(terminal.scrolled).toBe(0);
  });

  it("finish() leaves the cursor on a fresh line after the transcript, with the live area gone", () => {
    const { terminal, screen } = setup();
    screen.render(prompt("unsent"));
    screen.print("partial");
    screen.finish();
    expect(terminal.text()).toBe("partial");
    expect(terminal.cursor).toEqual({ x: 0, y: 1 });
  });

  it("dropPartial() takes back an unfinished streamed line (a retried attempt's text), not finished ones", () => {
    const { terminal, screen } = setup();
    screen.render(prompt("unsent"));
    screen.print("kept line\nPartial");
    expect(screen.dropPartial()).toBe(true);
    screen.print("Whole answer\n");
    screen.finish();
    expect(terminal.text()).toBe("kept line\nWhole answer");
    expect(screen.dropPartial()).toBe(false);
  });
});
