/** A key as node:readline's emitKeypressEvents reports it. */
export interface Key {
  name?: string;
  sequence?: string;
  ctrl?: boolean;
  meta?: boolean;
  shift?: boolean;
}

/** What a key did to the input: nothing, an edit (redraw), or the message is complete. */
export type EditResult = "ignored" | "changed" | "submit";

// Dropped from inserted text; a pasted newline or tab is kept.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
// A key whose text is any control character is a command, not something to type.
// eslint-disable-next-line no-control-regex
const CONTROL_KEY = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * The text being typed at the prompt, the cursor in it and the input history. Pure state: the REPL feeds
 * it keys and draws it. The text may hold newlines (a `\` at the end of a line, Alt+Enter, a paste).
 */
export class LineEditor {
  text = "";
  /** Index into `text`, always on a code point boundary. */
  cursor = 0;
  private historyIndex: number;
  private draft = "";

  constructor(private readonly history: string[] = []) {
    this.historyIndex = history.length;
  }

  /** Inserts text at the cursor (a paste keeps its newlines; other control characters are dropped). */
  insert(text: string): void {
    const clean = text.replace(/\r\n?/g, "\n").replace(CONTROL, "");
    this.text = this.text.slice(0, this.cursor) + clean + this.text.slice(this.cursor);
    this.cursor += clean.length;
  }

  /** Empties the input and hands back what it held; the history browse starts again from the end. */
  take(): string {
    const text = this.text;
    this.set("");
    this.historyIndex = this.history.length;
    return text;
  }

  set(text: string): void {
    this.text = text;
    this.cursor = text.length;
  }

  /** Adds a sent message to the in-memory history (not twice in a row). */
  remember(entry: string): void {
    if (entry.trim() !== "" && this.history.at(-1) !== entry) this.history.push(entry);
    this.historyIndex = this.history.length;
  }

  handleKey(str: string | undefined, key: Key): EditResult {
    const name = key.name ?? "";
    if (name === "return" && !key.meta) return this.onReturn();
    if ((name === "return" && key.meta) || (name === "enter" && !key.meta))
      return this.edit(() => this.insert("\n"));
    if (key.ctrl || key.meta) return this.controlKey(name, key);
    switch (name) {
      case "backspace":
        return this.edit(() => this.deleteRange(this.previousBoundary(), this.cursor));
      case "delete":
        return this.edit(() => this.deleteRange(this.cursor, this.nextBoundary()));
      case "left":
        return this.moveTo(this.previousBoundary());
      case "right":
        return this.moveTo(this.nextBoundary());
      case "home":
        return this.moveTo(this.lineStart());
      case "end":
        return this.moveTo(this.lineEnd());
      case "up":
        return this.lineUp();
      case "down":
        return this.lineDown();
    }
    if (str === undefined || str === "" || CONTROL_KEY.test(str)) return "ignored";
    return this.edit(() => this.insert(str));
  }

  private onReturn(): EditResult {
    // A line ending in a backslash continues on the next line, as in a shell.
    if (this.cursor === this.text.length && this.text.endsWith("\\")) {
      this.text = `${this.text.slice(0, -1)}\n`;
      this.cursor = this.text.length;
      return "changed";
    }
    return "submit";
  }

  private controlKey(name: string, key: Key): EditResult {
    if (key.ctrl && name === "a") return this.moveTo(this.lineStart());
    if (key.ctrl && name === "e") return this.moveTo(this.lineEnd());
    if (key.ctrl && name === "f") return this.moveTo(this.nextBoundary());
    if (key.ctrl && name === "d") return this.edit(() => this.deleteRange(this.cursor, this.nextBoundary()));
    if (key.ctrl && name === "u") return this.edit(() => this.deleteRange(this.lineStart(), this.cursor));
    if (key.ctrl && name === "k") return this.edit(() => this.deleteRange(this.cursor, this.lineEnd()));
    if ((key.ctrl && name === "w") || (key.meta && name === "backspace"))
      return this.edit(() => this.deleteRange(this.wordStart(), this.cursor));
    if ((key.ctrl && name === "left") || (key.meta && name === "b")) return this.moveTo(this.wordStart());
    if ((key.ctrl && name === "right") || (key.meta && name === "f")) return this.moveTo(this.wordEnd());
    if (key.ctrl && name === "p") return this.lineUp();
    if (key.ctrl && name === "n") return this.lineDown();
    return "ignored";
  }

  /** Up moves within a multi-line input, and past its first line into the history. */
  private lineUp(): EditResult {
    const start = this.lineStart();
    if (start > 0) {
      const column = this.cursor - start;
      const previousStart = this.text.lastIndexOf("\n", start - 2) + 1;
      return this.moveTo(Math.min(previousStart + column, start - 1));
    }
    if (this.historyIndex === 0) return "ignored";
    if (this.historyIndex === this.history.length) this.draft = this.text;
    this.historyIndex--;
    this.set(this.history[this.historyIndex] ?? "");
    return "changed";
  }

  private lineDown(): EditResult {
    const end = this.lineEnd();
    if (end < this.text.length) {
      const column = this.cursor - this.lineStart();
      const nextEnd = this.text.indexOf("\n", end + 1);
      return this.moveTo(Math.min(end + 1 + column, nextEnd === -1 ? this.text.length : nextEnd));
    }
    if (this.historyIndex >= this.history.length) return "ignored";
    this.historyIndex++;
    this.set(
      this.historyIndex === this.history.length ? this.draft : (this.history[this.historyIndex] ?? ""),
    );
    return "changed";
  }

  private edit(change: () => void): EditResult {
    const before = this.text;
    change();
    return before === this.text ? "ignored" : "changed";
  }

  private moveTo(index: number): EditResult {
    if (index === this.cursor) return "ignored";
    this.cursor = index;
    return "changed";
  }

  private deleteRange(from: number, to: number): void {
    this.text = this.text.slice(0, from) + this.text.slice(to);
    this.cursor = from;
  }

  private previousBoundary(): number {
    if (this.cursor === 0) return 0;
    const low = this.text.charCodeAt(this.cursor - 1);
    return low >= 0xdc00 && low <= 0xdfff && this.cursor >= 2 ? this.cursor - 2 : this.cursor - 1;
  }

  private nextBoundary(): number {
    if (this.cursor >= this.text.length) return this.text.length;
    return this.cursor + ((this.text.codePointAt(this.cursor) ?? 0 > 0xffff) ? 2 : 1);
  }

  private lineStart(): number {
    return this.text.lastIndexOf("\n", this.cursor - 1) + 1;
  }

  private lineEnd(): number {
    const end = this.text.indexOf("\n", this.cursor);
    return end === -1 ? this.text.length : end;
  }

  private wordStart(): number {
    const before = this.text.slice(0, this.cursor);
    return before.replace(/\S+\s*$|\s+$/, "").length;
  }

  private wordEnd(): number {
    const match = /^\s*\S+/.exec(this.text.slice(this.cursor));
    return this.cursor + (match ? match[0].length : this.text.length - this.cursor);
  }
}
