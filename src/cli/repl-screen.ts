import { displayWidth, splitAtWidth, TAB } from "./repl-text-width.js";

/** What the bottom of the screen shows right now: lines that may wrap, and where the cursor rests. */
export interface Frame {
  /** No newlines inside a line. */
  lines: string[];
  /** Line index and cell column; the cursor is hidden when absent. */
  cursor?: { line: number; column: number };
}

const HIDE_CURSOR = "\u001b[?25l";
const SHOW_CURSOR = "\u001b[?25h";
const CLEAR_DOWN = "\u001b[J";
const CLEAR_LINE_END = "\u001b[K";

function move(from: number, to: number): string {
  if (to < from) return `\u001b[${from - to}A`;
  return to > from ? `\u001b[${to - from}B` : "";
}

/**
 * A live area at the bottom of a terminal (status, spinner, prompt) under permanent output. Output goes
 * above it; the area is redrawn in place, only the lines whose text changed, and never scrolls by itself.
 * An unfinished output line (a model streaming text) is held as the area's first line until it completes.
 */
export class LiveScreen {
  private frame: Frame = { lines: [] };
  private shownLines: string[] = [];
  private shownRows: number[] = [];
  private shownCursor = "";
  /** Rows from the top of the live area down to where the terminal cursor is. */
  private cursorRow = 0;
  private partial = "";

  constructor(private readonly out: NodeJS.WriteStream) {}

  /** Permanent output. A trailing unfinished line stays in the live area until its newline arrives. */
  print(text: string): void {
    if (text === "") return;
    const all = this.partial + text.replaceAll("\t", TAB);
    const cut = all.lastIndexOf("\n");
    let done = cut === -1 ? "" : all.slice(0, cut + 1);
    let partial = cut === -1 ? all : all.slice(cut + 1);
    // A long unfinished line gives its full rows to the permanent output so the live area stays small.
    const columns = this.columns();
    const keepRows = Math.max(1, Math.floor((this.out.rows || 24) / 3));
    while (Math.floor(displayWidth(partial) / columns) >= keepRows) {
      const [row, rest] = splitAtWidth(partial, columns);
      done += `${row}\n`;
      partial = rest;
    }
    this.partial = partial;
    this.draw(done);
  }

  /** Whole lines above the live area, and above an unfinished output line too: it is never split. */
  printAbove(lines: string): void {
    this.draw(`${lines.replaceAll("\t", TAB)}${lines.endsWith("\n") ? "" : "\n"}`);
  }

  /** Shows `frame`; writes nothing when it is what the screen already shows. */
  render(frame: Frame): void {
    this.frame = frame;
    this.draw("");
  }

  /** Ends an unfinished output line, if there is one. */
  endLine(): void {
    if (this.partial !== "") this.print("\n");
  }

  /** Ends the unfinished output line and clears the live area: the terminal is left at a fresh line. */
  finish(): void {
    this.endLine();
    this.frame = { lines: [] };
    this.draw("");
    this.write(SHOW_CURSOR);
  }

  /** Clears the whole screen (and what the live area remembered), then redraws the live area at the top. */
  clearScreen(): void {
    this.write("\u001b[H\u001b[2J\u001b[3J");
    this.partial = "";
    this.resetShown();
    this.draw("");
  }

  /** After a resize the old row arithmetic is wrong: redraw everything from where the area starts. */
  forceRedraw(): void {
    this.shownRows = [];
    this.draw("");
  }

  private draw(permanent: string): void {
    const lines = this.partial === "" ? this.frame.lines : [this.partial, ...this.frame.lines];
    const shift = this.partial === "" ? 0 : 1;
    const cursor = this.frame.cursor && {
      line: this.frame.cursor.line + shift,
      column: this.frame.cursor.column,
    };
    const columns = this.columns();
    const widths = lines.map((line) => displayWidth(line));
    // A line exactly filling its rows gets one blank cell, so every line ends on a row of its own.
    const padded = lines.map((line, i) =>
      (widths[i] ?? 0) > 0 && (widths[i] ?? 0) % columns === 0 ? `${line} ` : line,
    );
    const rows = widths.map((width) => Math.floor(width / columns) + 1);
    const cursorKey = cursor ? `${cursor.line}:${cursor.column}` : "";
    const sameShape = rows.length === this.shownRows.length && rows.every((n, i) => n === this.shownRows[i]);
    if (
      permanent === "" &&
      sameShape &&
      cursorKey === this.shownCursor &&
      lines.every((l, i) => l === this.shownLines[i])
    )
      return;
    let text = HIDE_CURSOR;
    let at: number;
    if (permanent === "" && sameShape) {
      at = this.cursorRow;
      let top = 0;
      lines.forEach((line, i) => {
        if (line !== this.shownLines[i]) {
          text += `${move(at, top)}\r${padded[i] ?? ""}${CLEAR_LINE_END}`;
          at = top + (rows[i] ?? 1) - 1;
        }
        top += rows[i] ?? 1;
      });
    } else {
      text += `${move(this.cursorRow, 0)}\r${CLEAR_DOWN}${permanent}${padded.join("\n")}`;
      at = rows.reduce((sum, n) => sum + n, 0) - (rows.length > 0 ? 1 : 0);
    }
    if (cursor) {
      const above = rows.slice(0, cursor.line).reduce((sum, n) => sum + n, 0);
      const target = above + Math.floor(cursor.column / columns);
      text += `${move(at, target)}\u001b[${(cursor.column % columns) + 1}G${SHOW_CURSOR}`;
      at = target;
    }
    this.write(text);
    this.cursorRow = at;
    this.shownLines = lines;
    this.shownRows = rows;
    this.shownCursor = cursorKey;
  }

  private resetShown(): void {
    this.shownLines = [];
    this.shownRows = [];
    this.shownCursor = "";
    this.cursorRow = 0;
  }

  private columns(): number {
    return Math.max(10, this.out.columns || 80);
  }

  private write(text: string): void {
    if (!this.out.destroyed) this.out.write(text);
  }
}
