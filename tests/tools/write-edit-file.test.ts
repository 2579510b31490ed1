import { execFileSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseToolInput, toToolSpec, type Tool } from "../../src/tools/define-tool.js";
import { createEditFileTool } from "../../src/tools/edit-file.js";
import { createWriteFileTool } from "../../src/tools/write-file.js";

let base: string;
let root: string;
let outside: string;

beforeEach(() => {
  base = realpathSync(mkdtempSync(path.join(os.tmpdir(), "lanes-write-")));
  root = path.join(base, "workspace");
  outside = path.join(base, "outside");
  mkdirSync(root);
  mkdirSync(outside);
  writeFileSync(path.join(outside, "secret.txt"), "SECRET\n");
});

afterEach(() => {
  rmSync(base, { recursive: true, force: true });
});

function call(tool: Tool, raw: unknown): Promise<string> {
  return tool
    .run(parseToolInput(tool, raw), { signal: new AbortController().signal, callId: "t" })
    .then((result) => result.content);
}
const write = (raw: unknown) => call(createWriteFileTool(root), raw);
const edit = (raw: unknown) => call(createEditFileTool(root), raw);
const contentOf = (name: string) => readFileSync(path.join(root, name), "utf8");

describe("write_file", () => {
  it("creates parent folders and reports UTF-8 bytes and the path relative to the root", async () => {
    expect(await write({ path: "deep/er/note.txt", content: "héllo" })).toBe(
      "Wrote 6 bytes to deep/er/note.txt",
    );
    expect(contentOf("deep/er/note.txt")).toBe("héllo");
  });

  it("overwrites a longer file completely", async () => {
    writeFileSync(path.join(root, "a.txt"), "a much longer old content\n");
    await write({ path: "a.txt", content: "new" });
    expect(contentOf("a.txt")).toBe("new");
  });

  it("accepts an absolute path inside the workspace", async () => {
    expect(await write({ path: path.join(root, "abs.txt"), content: "x" })).toBe("Wrote 1 bytes to abs.txt");
  });

  it("refuses a file symlink to outside and leaves the target untouched", async () => {
    symlinkSync(path.join(outside, "secret.txt"), path.join(root, "link.txt"));
    await expect(write({ path: "link.txt", content: "pwned" })).rejects.toThrow(
      /escapes the workspace via symlink/,
    );
    expect(readFileSync(path.join(outside, "secret.txt"), "utf8")).toBe("SECRET\n");
  });

  it("refuses a directory symlink to outside and creates nothing there", async () => {
    symlinkSync(outside, path.join(root, "dir"));
    await expect(write({ path: "dir/sub/new.txt", content: "x" })).rejects.toThrow(/via symlink: dir ->/);
    expect(existsSync(path.join(outside, "sub"))).toBe(false);
  });

  it("refuses a dangling symlink whose target is outside and does not create the target", async () => {
    symlinkSync(path.join(outside, "created.txt"), path.join(root, "dangling"));
    await expect(write({ path: "dangling", content: "x" })).rejects.toThrow(/via symlink: dangling ->/);
    expect(existsSync(path.join(outside, "created.txt"))).toBe(false);
  });

  it("writes through a symlink that stays inside, naming the real file", async () => {
    writeFileSync(path.join(root, "real.txt"), "old");
    symlinkSync("real.txt", path.join(root, "alias.txt"));
    expect(await write({ path: "alias.txt", content: "new" })).toBe("Wrote 3 bytes to real.txt");
    expect(contentOf("real.txt")).toBe("new");
  });

  it("refuses a .. escape", async () => {
    await expect(write({ path: "../outside/x.txt", content: "x" })).rejects.toThrow(/outside the workspace/);
    expect(existsSync(path.join(outside, "x.txt"))).toBe(false);
  });

  it("refuses to overwrite a directory", async () => {
    mkdirSync(path.join(root, "src"));
    await expect(write({ path: "src", content: "x" })).rejects.toThrow("src is a directory, not a file");
  });

  it("refuses a FIFO without hanging", async () => {
    execFileSync("mkfifo", [path.join(root, "pipe")]);
    await expect(write({ path: "pipe", content: "x" })).rejects.toThrow(/FIFO/);
  });

  it("refuses a path below a file with a clear message", async () => {
    writeFileSync(path.join(root, "file.txt"), "");
    await expect(write({ path: "file.txt/x.txt", content: "x" })).rejects.toThrow(
      /not a directory: file.txt/,
    );
  });

  it("writing the lossy spelling of a non-UTF-8 file name creates a new file and never clobbers the original", async () => {
    const rawName = Buffer.concat([Buffer.from(`${root}/caf`), Buffer.from([0xe9]), Buffer.from(".txt")]);
    writeFileSync(rawName, "latin-1 named\n");
    expect(await write({ path: "caf\uFFFD.txt", content: "utf-8 named\n" })).toBe(
      "Wrote 12 bytes to caf\uFFFD.txt",
    );
    expect(readFileSync(rawName, "utf8")).toBe("latin-1 named\n");
    expect(contentOf("caf\uFFFD.txt")).toBe("utf-8 named\n");
  });

  it("describes every field of its schema", () => {
    const properties = toToolSpec(createWriteFileTool(root)).input_schema.properties as Record<
      string,
      object
    >;
    expect(Object.values(properties).every((field) => "description" in field)).toBe(true);
  });
});

describe("edit_file", () => {
  beforeEach(() => {
    writeFileSync(path.join(root, "code.ts"), "const a = 1;\nconst b = 2;\nconst c = 3;\n");
  });

  it("replaces the one exact occurrence and reports its line", async () => {
    const out = await edit({
      path: "code.ts",
      old_text: "const b = 2;",
      new_text: "const b = 20;\nconst bb = 21;",
    });
    expect(out).toBe("Edited code.ts at line 2: 1 line(s) replaced by 2");
    expect(contentOf("code.ts")).toBe("const a = 1;\nconst b = 20;\nconst bb = 21;\nconst c = 3;\n");
  });

  it("errors when old_text is not found and leaves the file alone", async () => {
    await expect(edit({ path: "code.ts", old_text: "const z", new_text: "x" })).rejects.toThrow(
      "old_text not found in code.ts",
    );
    expect(contentOf("code.ts")).toBe("const a = 1;\nconst b = 2;\nconst c = 3;\n");
  });

  it("errors when old_text matches several times, giving the count", async () => {
    await expect(edit({ path: "code.ts", old_text: "const", new_text: "let" })).rejects.toThrow(
      "old_text matches 3 times in code.ts; add surrounding lines to make it unique",
    );
    expect(contentOf("code.ts")).toContain("const a");
  });

  it("counts overlapping matches as ambiguous", async () => {
    writeFileSync(path.join(root, "a.txt"), "aaa");
    await expect(edit({ path: "a.txt", old_text: "aa", new_text: "b" })).rejects.toThrow(/matches 2 times/);
  });

  it("errors on an empty old_text", async () => {
    await expect(edit({ path: "code.ts", old_text: "", new_text: "x" })).rejects.toThrow(/old_text is empty/);
  });

  it("errors when new_text equals old_text, since nothing would change", async () => {
    await expect(edit({ path: "code.ts", old_text: "const a", new_text: "const a" })).rejects.toThrow(
      /the same/,
    );
  });

  it("matches LF old_text in a CRLF file and keeps the file's CRLF endings", async () => {
    writeFileSync(path.join(root, "dos.txt"), "one\r\ntwo\r\nthree\r\n");
    await edit({ path: "dos.txt", old_text: "one\ntwo", new_text: "uno\ndos" });
    expect(contentOf("dos.txt")).toBe("uno\r\ndos\r\nthree\r\n");
  });

  it("keeps a UTF-8 byte-order mark", async () => {
    writeFileSync(path.join(root, "bom.txt"), "\uFEFFhello\n");
    await edit({ path: "bom.txt", old_text: "hello", new_text: "bye" });
    expect(readFileSync(path.join(root, "bom.txt"))).toEqual(Buffer.from("\uFEFFbye\n"));
  });

  it("refuses a file that is not valid UTF-8 rather than corrupting it", async () => {
    writeFileSync(path.join(root, "latin1.txt"), Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]));
    await expect(edit({ path: "latin1.txt", old_text: "caf", new_text: "x" })).rejects.toThrow(
      /not valid UTF-8/,
    );
  });

  it("refuses a symlink that escapes the workspace and leaves the target untouched", async () => {
    symlinkSync(path.join(outside, "secret.txt"), path.join(root, "link.txt"));
    await expect(edit({ path: "link.txt", old_text: "SECRET", new_text: "x" })).rejects.toThrow(
      /via symlink/,
    );
    expect(readFileSync(path.join(outside, "secret.txt"), "utf8")).toBe("SECRET\n");
  });

  it("says file not found for a missing file", async () => {
    await expect(edit({ path: "nope.ts", old_text: "a", new_text: "b" })).rejects.toThrow(
      "file not found: nope.ts",
    );
  });
});
