import { MarkdownLines } from "../../text/markdown.js";
import type { Style } from "../../text/style.js";
import { terminalSafe } from "../../text/width.js";

/**
 * The model's streamed text rendered as Markdown, one whole line at a time: a line shows once its newline
 * arrives (or the message ends), so a heading or table is never drawn half-parsed.
 */
export class MarkdownStream {
  private readonly lines: MarkdownLines;
  private pending = "";

  constructor(
    style: Style,
    private readonly print: (text: string) => void,
  ) {
    this.lines = new MarkdownLines(style);
  }

  push(delta: string): void {
    const parts = (this.pending + terminalSafe(delta)).split("\n");
    this.pending = parts.pop() ?? "";
    for (const part of parts) this.emit(this.lines.line(part));
  }

  /** The message ended (or was cancelled): its last line and any open table, each ending a line. */
  flush(): void {
    const out = this.pending === "" ? [] : this.lines.line(this.pending);
    this.pending = "";
    this.emit([...out, ...this.lines.end()]);
    this.lines.reset();
  }

  /** A retried attempt: what was held is void. */
  reset(): void {
    this.pending = "";
    this.lines.reset();
  }

  private emit(lines: string[]): void {
    for (const line of lines) this.print(`${line}\n`);
  }
}
