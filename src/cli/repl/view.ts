import { LiveScreen, type Frame } from "./screen.js";
import { inputWindow } from "./input-window.js";
import { truncateToWidth } from "../../text/width.js";
import { activityText, SPINNER_INTERVAL_MS, type Activity } from "./spinner.js";
import { STATUS_INTERVAL_MS } from "./status-line.js";
import type { Style } from "../../text/style.js";

/** What the prompt holds: the text (may span lines) and the cursor index in it. */
export interface InputView {
  text: string;
  cursor: number;
}

/** Where the REPL writes. Only a terminal has a live area; elsewhere the live parts are ignored. */
export interface ReplView {
  /** Output that may end mid-line (streamed text). */
  print(text: string): void;
  /** Whole lines, shown above an unfinished streamed line rather than splitting it. */
  notice(line: string): void;
  setActivity(activity: Activity | undefined): void;
  setInput(input: InputView | undefined): void;
  /** A one-line hint under the prompt (e.g. "press Ctrl+C again to exit"). */
  setHint(hint: string | undefined): void;
  /** Rebuilds the status line of running lanes now (a task started or ended). */
  refreshStatus(): void;
  /** Finishes an unfinished streamed line. */
  endLine(): void;
  /** Takes back the unfinished streamed line, where the view can (a retried attempt's partial text). */
  dropPartialLine(): void;
  clearScreen(): void;
  /** Ctrl+Z: the live area is taken off the screen, and put back by resume(). */
  suspend(): void;
  resume(): void;
  /** Leaves the terminal at a fresh line with the cursor visible; stops the timers. */
  close(): void;
}

/** A pipe or a file: output as plain lines, no live area. */
export class PlainView implements ReplView {
  private atLineStart = true;
  constructor(private readonly out: NodeJS.WritableStream) {}
  print(text: string): void {
    if (text === "") return;
    this.out.write(text);
    this.atLineStart = text.endsWith("\n");
  }
  notice(line: string): void {
    this.print(`${this.atLineStart ? "" : "\n"}${line}\n`);
  }
  setActivity(): void {}
  setInput(): void {}
  setHint(): void {}
  refreshStatus(): void {}
  endLine(): void {
    if (!this.atLineStart) this.print("\n");
  }
  dropPartialLine(): void {
    // Written output cannot be taken back from a pipe: the retry notice that follows says it is void.
    this.endLine();
  }
  clearScreen(): void {}
  suspend(): void {}
  resume(): void {}
  close(): void {
    this.endLine();
  }
}

/**
 * A terminal: output scrolls above a live area of spinner, status line (running lanes), prompt and hint.
 * The status line is rebuilt every STATUS_INTERVAL_MS and redrawn only when its text changed.
 */
export class LiveView implements ReplView {
  private readonly screen: LiveScreen;
  private activity: Activity | undefined;
  private input: InputView | undefined;
  private hint: string | undefined;
  private status: string | undefined;
  private suspended = false;
  private spinTimer: NodeJS.Timeout | undefined;
  private readonly statusTimer: NodeJS.Timeout;
  // The screen notices the new width itself; the status line is rebuilt for it.
  private readonly onResize = (): void => this.refreshStatus();

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly style: Style,
    /** The status text for a width, undefined when nothing runs. */
    private readonly statusSource: (width: number) => string | undefined,
  ) {
    this.screen = new LiveScreen(out);
    this.statusTimer = setInterval(() => this.refreshStatus(), STATUS_INTERVAL_MS).unref();
    out.on("resize", this.onResize);
  }

  print(text: string): void {
    this.screen.print(text);
  }

  notice(line: string): void {
    this.screen.printAbove(line);
  }

  setActivity(activity: Activity | undefined): void {
    this.activity = activity;
    clearInterval(this.spinTimer);
    this.spinTimer = activity ? setInterval(() => this.update(), SPINNER_INTERVAL_MS).unref() : undefined;
    this.update();
  }

  setInput(input: InputView | undefined): void {
    this.input = input && { ...input };
    this.update();
  }

  setHint(hint: string | undefined): void {
    this.hint = hint;
    this.update();
  }

  refreshStatus(): void {
    this.status = this.statusSource(this.columns() - 3);
    this.update();
  }

  endLine(): void {
    this.screen.endLine();
  }

  dropPartialLine(): void {
    this.screen.dropPartial();
  }

  clearScreen(): void {
    this.screen.clearScreen();
  }

  suspend(): void {
    this.suspended = true;
    this.screen.finish();
  }

  resume(): void {
    this.suspended = false;
    this.update();
  }

  close(): void {
    clearInterval(this.spinTimer);
    clearInterval(this.statusTimer);
    this.out.off("resize", this.onResize);
    this.activity = undefined;
    this.screen.finish();
  }

  private update(): void {
    if (!this.suspended) this.screen.render(this.compose());
  }

  private compose(): Frame {
    const { style } = this;
    const width = this.columns() - 1;
    const lines: string[] = [];
    if (this.activity) {
      const text = truncateToWidth(activityText(this.activity, Date.now()), width);
      lines.push(style.cyan(text.slice(0, 1)) + style.dim(text.slice(1)));
    }
    if (this.status) lines.push(`${style.yellow("●")} ${style.dim(this.status)}`);
    let cursor: Frame["cursor"];
    if (this.input) {
      // Room left: the hint, a spare row, and up to a third of the screen for a streamed line being held.
      const height = this.out.rows || 24;
      const budgetRows = height - lines.length - 2 - Math.floor(height / 3);
      const options = { columns: this.columns(), budgetRows, prompt: style.cyan("› "), dim: style.dim };
      const shown = inputWindow(this.input.text, this.input.cursor, options);
      cursor = { line: lines.length + shown.cursorLine, column: shown.cursorColumn };
      lines.push(...shown.lines);
    }
    if (this.hint) lines.push(style.dim(truncateToWidth(this.hint, width)));
    return { lines, cursor };
  }

  private columns(): number {
    return Math.max(20, this.out.columns || 80);
  }
}
