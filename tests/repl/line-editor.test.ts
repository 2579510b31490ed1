import { describe, expect, it } from "vitest";
import { LineEditor, type Key } from "../../src/cli/repl/line-editor.js";

function typeInto(editor: LineEditor, text: string): void {
  for (const char of text) editor.handleKey(char, { name: char });
}

const key = (name: string, extra: Partial<Key> = {}): Key => ({ name, ...extra });

describe("LineEditor", () => {
  it("a line ending in a backslash continues on a new line instead of sending", () => {
    const editor = new LineEditor();
    typeInto(editor, "first \\");
    expect(editor.handleKey("\r", key("return"))).toBe("changed");
    typeInto(editor, "second");
    expect(editor.handleKey("\r", key("return"))).toBe("submit");
    expect(editor.take()).toBe("first \nsecond");
    expect(editor.text).toBe("");
  });

  it("Alt+Enter and Ctrl+J insert a newline; a paste keeps its newlines and drops other control characters", () => {
    const editor = new LineEditor();
    typeInto(editor, "a");
    editor.handleKey(undefined, key("return", { meta: true }));
    editor.handleKey("\n", key("enter"));
    editor.insert("b\r\nc\u001b[31m\u0007");
    expect(editor.text).toBe("a\n\nb\nc[31m");
  });

  it("edits by code point: backspace removes a whole emoji, left moves over it", () => {
    const editor = new LineEditor();
    typeInto(editor, "a😀b");
    editor.handleKey(undefined, key("left"));
    editor.handleKey(undefined, key("backspace"));
    expect(editor.text).toBe("ab");
    editor.handleKey(undefined, key("left"));
    editor.handleKey("x", key("x"));
    expect(editor.text).toBe("xab");
  });

  it("Ctrl+A/E/U/K/W edit the current line", () => {
    const editor = new LineEditor();
    typeInto(editor, "git commit -m message");
    editor.handleKey(undefined, key("w", { ctrl: true }));
    expect(editor.text).toBe("git commit -m ");
    editor.handleKey(undefined, key("a", { ctrl: true }));
    editor.handleKey(undefined, key("k", { ctrl: true }));
    expect(editor.text).toBe("");
    typeInto(editor, "abc");
    editor.handleKey(undefined, key("left"));
    editor.handleKey(undefined, key("u", { ctrl: true }));
    expect([editor.text, editor.cursor]).toEqual(["c", 0]);
  });

  it("Up and Down browse the history and give back the draft being typed", () => {
    const editor = new LineEditor(["one", "two"]);
    typeInto(editor, "dra");
    editor.handleKey(undefined, key("up"));
    expect(editor.text).toBe("two");
    editor.handleKey(undefined, key("up"));
    expect(editor.text).toBe("one");
    expect(editor.handleKey(undefined, key("up"))).toBe("ignored");
    editor.handleKey(undefined, key("down"));
    editor.handleKey(undefined, key("down"));
    expect([editor.text, editor.cursor]).toEqual(["dra", 3]);
    editor.remember("three");
    editor.remember("three");
    editor.take();
    editor.handleKey(undefined, key("up"));
    editor.handleKey(undefined, key("up"));
    expect(editor.text).toBe("two");
  });

  it("in a multi-line input Up and Down move between its lines before reaching the history", () => {
    const editor = new LineEditor(["old"]);
    editor.insert("abc\nde");
    editor.handleKey(undefined, key("up"));
    expect(editor.cursor).toBe(2);
    editor.handleKey(undefined, key("down"));
    expect(editor.cursor).toBe(6);
    editor.handleKey(undefined, key("up"));
    editor.handleKey(undefined, key("up"));
    expect(editor.text).toBe("old");
  });
});
