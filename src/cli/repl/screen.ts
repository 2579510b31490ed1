import { displayWidth, splitAtWidth, TAB } from "../../text/width.js";
import { wrapLine } from "../../text/wrap.js";

/** What the bottom of the screen shows right now: lines that may wrap, and where the cursor rests. */
export interface Frame {
  /** No newlines inside a line. */
  lines: string[];
  /** Line index and cell column; the cursor is hidden when absent. */
  cursor?: { line: number; column: number } | undefined;
}

const HIDE_CURSOR = "\u001b[?25l";
const SHOW_CURSOR = "\u001b[?25h";
const CLEAR_DOWN = "\u001b[J";
const CLEAR_LINE_END = "\u001b[K";

function move(from: number, to: number): string {
  if (to < from) return `\u001b[${from - to}A`;
  return to > from ? `\u001b[${to - from}B` : "";
}

/** What was last drawn, to redraw only what changed and to find the area's top again. */
interface Shown {
  lines: string[];
  /** Cells of each line as written (with its padding cell). */
  widths: number[];
  rows: number[];
  cursor: Frame["cursor"];
  columns: number;
}

const NOTHING_SHOWN: Shown = { lines: [], widths: [], rows: [], cursor: undefined, columns: 0 };

/**
 * A live area at the bottom of a terminal (status, spinner, prompt) under permanent output. Output goes
 * above it; the area is redrawn in place, only the lines whose text changed, and never scrolls by itself.
 * An unfinished output line (a model streaming text) is held as the area's first line until it completes.
 */
export class LiveScreen {
  private frame: Frame = { lines: [] };
  private shown: Shown = NOTHING_SHOWN;
  /** Rows from the top of the live area down to where the terminal cursor is. */
  private cursorRow = 0;
  private partial = "";

  constructor(private readonly out: NodeJS.WriteStream) {}

  /** Permanent output. A trailing unfinished line stays in the live area until its newline arrives. */
  print(text: string): void {
    if (text === "") return;
    const all = this.partial + text.replaceAll("\t", TAB);
    const cut = all.lastIndexOf("\n");
    const [columns, height] = this.size();
    let done = cut === -1 ? "" : this.wrapped(all.slice(0, cut), columns);
    let partial = cut === -1 ? all : all.slice(cut + 1);
    // A long unfinished line gives its full rows to the permanent output so the live area stays small.
    const keepRows = Math.max(1, Math.floor(height / 3));
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
    this.draw(this.wrapped(lines.replaceAll("\t", TAB).replace(/\n$/, ""), this.size()[0]));
  }

  /** Whole lines broken at spaces to fit (a terminal breaks inside words), each ending with a newline. */
  private wrapped(lines: string, columns: number): string {
    const rows = lines.split("\n").flatMap((line) => wrapLine(line, Math.max(1, columns - 1)));
    return `${rows.join("\n")}\n`;
  }

  /** Shows `frame`; writes nothing when it is what the screen already shows. */
  render(frame: Frame): void {
    this.frame = frame;
    this.draw("");
  }

  /** Forgets the unfinished output line (text a failed model attempt streamed); true if there was one. */
  dropPartial(): boolean {
    if (this.partial === "") return false;
    this.partial = "";
    this.draw("");
    return true;
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
    this.shown = NOTHING_SHOWN;
    this.cursorRow = 0;
    this.draw("");
  }

  private draw(permanent: string): void {
    const [columns] = this.size();
    if (this.shown.columns !== 0 && columns !== this.shown.columns) this.afterResize(columns);
    const lines = this.partial === "" ? this.frame.lines : [this.partial, ...this.frame.lines];
    const shift = this.partial === "" ? 0 : 1;
    const cursor = this.frame.cursor && {
      line: this.frame.cursor.line + shift,
      column: this.frame.cursor.column,
    };
    // A line exactly filling its rows gets one blank cell, so every line ends on a row of its own.
    const padded = lines.map((line) => {
      const width = displayWidth(line);
      return width > 0 && width % columns === 0 ? `${line} ` : line;
    });
    const widths = padded.map((line) => displayWidth(line));
    const rows = widths.map((width) => Math.ceil(width / columns) || 1);
    const shown = this.shown;
    const sameShape = rows.length === shown.rows.length && rows.every((n, i) => n === shown.rows[i]);
    const sameCursor = cursor?.line === shown.cursor?.line && cursor?.column === shown.cursor?.column;
    if (permanent === "" && sameShape && sameCursor && lines.every((line, i) => line === shown.lines[i]))
      return;
    let text = HIDE_CURSOR;
    let at: number;
    if (permanent === "" && sameShape) {
      at = this.cursorRow;
      let top = 0;
      lines.forEach((line, i) => {
        if (line !== shown.lines[i]) {
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
      const target = sumOf(rows, cursor.line) + Math.floor(cursor.column / columns);
      text += `${move(at, target)}\u001b[${(cursor.column % columns) + 1}G${SHOW_CURSOR}`;
      at = target;
    }
    this.write(text);
    this.cursorRow = at;
    this.shown = { lines, widths, rows, cursor, columns };
  }

  /**
   * Terminals that reflow on resize (tmux, VTE, iTerm2, kitty, Windows Terminal) rewrap what we drew to the
   * new width: count the area's rows again at that width, then redraw it whole. The size is read before
   * every draw, not only on SIGWINCH, so a spinner tick between the reflow and the signal cannot misplace.
   */
  private afterResize(columns: number): void {
    const rows = this.shown.widths.map((width) => Math.ceil(width / columns) || 1);
    const cursor = this.shown.cursor ?? { line: Math.max(0, rows.length - 1), column: 0 };
    this.cursorRow = sumOf(rows, cursor.line) + Math.floor(cursor.column / columns);
    this.shown = { ...this.shown, rows: [] };
  }

  private size(): [columns: number, rows: number] {
    // getWindowSize asks the terminal now; `columns` is only updated once SIGWINCH has been handled.
    const [columns, rows] = typeof this.out.getWindowSize === "function" ? this.out.getWindowSize() : [];
    return [Math.max(10, columns || this.out.columns || 80), rows || this.out.rows || 24];
  }

  private write(text: string): void {
    if (!this.out.destroyed) this.out.write(text);
  }
}

function sumOf(rows: number[], count: number): number {
  return rows.slice(0, count).reduce((sum, n) => sum + n, 0);
}
