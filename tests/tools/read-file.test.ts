import { execFileSync } from "node:child_process";
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  realpathSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseToolInput, toToolSpec } from "../../src/tools/define-tool.js";
import { createReadFileTool } from "../../src/tools/read-file.js";

let root: string;
let tool: ReturnType<typeof createReadFileTool>;

beforeEach(() => {
  root = realpathSync(mkdtempSync(path.join(os.tmpdir(), "lanes-read-")));
  tool = createReadFileTool(root);
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

function read(raw: unknown): Promise<string> {
  return tool
    .run(parseToolInput(tool, raw), { signal: new AbortController().signal, callId: "t" })
    .then((result) => result.content);
}

function numbered(count: number, text = (n: number) => `line ${n}`): string {
  return Array.from({ length: count }, (_, i) => `${text(i + 1)}\n`).join("");
}

describe("read_file", () => {
  it("prefixes each line with its number, cat -n style", async () => {
    writeFileSync(path.join(root, "a.txt"), "alpha\nbeta\n");
    expect(await read({ path: "a.txt" })).toBe("     1\talpha\n     2\tbeta");
  });

  it("shows the window from offset for limit lines and says how many lines are left and where to go on", async () => {
    writeFileSync(path.join(root, "a.txt"), numbered(50));
    const out = await read({ path: "a.txt", offset: 10, limit: 5 });
    expect(out).toBe(
      [10, 11, 12, 13, 14].map((n) => `${String(n).padStart(6)}\tline ${n}`).join("\n") +
        "\n... (36 more lines; use offset=15 to read on)",
    );
  });

  it("reads at most 2000 lines by default and notes the rest", async () => {
    writeFileSync(
      path.join(root, "a.txt"),
      numbered(3234, () => "x"),
    );
    const out = await read({ path: "a.txt" });
    expect(out.split("\n")).toHaveLength(2001);
    expect(out).toMatch(/\n\.\.\. \(1234 more lines; use offset=2001 to read on\)$/);
  });

  it("adds no note when the window reaches the end of the file", async () => {
    writeFileSync(path.join(root, "a.txt"), numbered(3));
    expect(await read({ path: "a.txt", offset: 2 })).toBe("     2\tline 2\n     3\tline 3");
  });

  it("refuses an offset past the end and says how many lines there are", async () => {
    writeFileSync(path.join(root, "a.txt"), numbered(3));
    await expect(read({ path: "a.txt", offset: 9 })).rejects.toThrow(
      "offset 9 is past the end of a.txt (3 lines)",
    );
  });

  it("says so for an empty file", async () => {
    writeFileSync(path.join(root, "empty.txt"), "");
    expect(await read({ path: "empty.txt" })).toBe("empty.txt is empty (0 bytes)");
  });

  it("shows CRLF lines as plain lines", async () => {
    writeFileSync(path.join(root, "dos.txt"), "one\r\ntwo\r\n");
    expect(await read({ path: "dos.txt" })).toBe("     1\tone\n     2\ttwo");
  });

  it("shows the last line of a file without a trailing newline", async () => {
    writeFileSync(path.join(root, "a.txt"), "one\ntwo");
    expect(await read({ path: "a.txt" })).toBe("     1\tone\n     2\ttwo");
  });

  it("decodes invalid UTF-8 with replacement characters", async () => {
    writeFileSync(path.join(root, "bad.txt"), Buffer.from([0x6f, 0x6b, 0xff, 0x21, 0x0a]));
    expect(await read({ path: "bad.txt" })).toBe("     1\tok\uFFFD!");
  });

  it("does not dump a file with a NUL byte in its first 8 KiB", async () => {
    writeFileSync(path.join(root, "blob.bin"), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x00, 0x01]));
    expect(await read({ path: "blob.bin" })).toBe("Binary file blob.bin (6 bytes) not shown");
  });

  it("does not dump a file that is mostly invalid UTF-8", async () => {
    const noise = Buffer.alloc(4000, 0xfe);
    writeFileSync(path.join(root, "noise.dat"), noise);
    expect(await read({ path: "noise.dat" })).toBe("Binary file noise.dat (4000 bytes) not shown");
  });

  it("cuts a 50 MB line without a newline at 2000 characters and says so", async () => {
    const fd = openSync(path.join(root, "min.js"), "w");
    const mib = Buffer.alloc(1024 * 1024, "a");
    for (let i = 0; i < 50; i++) writeSync(fd, mib);
    closeSync(fd);
    const out = await read({ path: "min.js" });
    const [first, note] = out.split("\n");
    expect(first).toBe(
      `     1\t${"a".repeat(2000)} … [line cut at 2000 characters; it is more than 256.0 KiB long]`,
    );
    expect(note).toBe("... (stopped after reading 256.0 KiB of the file; use offset=2 to read on)");
  });

  it("cuts a long line that ends, giving its length", async () => {
    writeFileSync(path.join(root, "a.txt"), `${"b".repeat(5000)}\nshort\n`);
    const out = await read({ path: "a.txt" });
    expect(out).toBe(
      `     1\t${"b".repeat(2000)} … [line cut at 2000 characters; it is 4.9 KiB long]\n     2\tshort`,
    );
  });

  it("stops at 30,000 characters of output and gives the offset to read on", async () => {
    writeFileSync(
      path.join(root, "wide.txt"),
      numbered(1000, (n) => `${n} ${"w".repeat(100)}`),
    );
    const out = await read({ path: "wide.txt" });
    expect(out.length).toBeLessThanOrEqual(30_200);
    const lines = out.split("\n");
    const lastShown = Number(lines.at(-2)?.split("\t")[0]);
    expect(lines.at(-1)).toBe(
      `... (output limit of 30000 characters reached; use offset=${lastShown + 1} to read on)`,
    );
  });

  it("stops after 256 KiB of the file even when the line limit is not reached", async () => {
    writeFileSync(
      path.join(root, "big.txt"),
      numbered(10, () => "c".repeat(100 * 1024)),
    );
    const out = await read({ path: "big.txt" });
    const lines = out.split("\n");
    expect(lines).toHaveLength(4);
    expect(lines[3]).toBe("... (stopped after reading 256.0 KiB of the file; use offset=4 to read on)");
  });

  it("reads a 2 GB sparse file in a bounded window: RSS grows by less than 64 MB and the note says what is left", async () => {
    const file = path.join(root, "huge.log");
    writeFileSync(
      file,
      numbered(5000, (n) => `L${n}`),
    );
    truncateSync(file, 2 * 1024 ** 3);
    const before = process.memoryUsage().rss;
    const out = await read({ path: "huge.log" });
    const grown = process.memoryUsage().rss - before;
    expect(grown).toBeLessThan(64 * 1024 * 1024);
    expect(out.startsWith("     1\tL1\n")).toBe(true);
    expect(
      out.endsWith("  2000\tL2000\n... (file continues: 2.00 GiB not read; use offset=2001 to read on)"),
    ).toBe(true);
  });

  it("reads from a far offset of the 2 GB file without loading it", async () => {
    const file = path.join(root, "huge.log");
    writeFileSync(
      file,
      numbered(5000, (n) => `L${n}`),
    );
    truncateSync(file, 2 * 1024 ** 3);
    const out = await read({ path: "huge.log", offset: 4999, limit: 2 });
    const [first, second, note] = out.split("\n");
    expect([first, second]).toEqual(["  4999\tL4999", "  5000\tL5000"]);
    expect(note).toMatch(/^\.\.\. \(file continues: .* use offset=5001 to read on\)$/);
  });

  it("reads nothing when the call is already aborted", async () => {
    writeFileSync(path.join(root, "a.txt"), numbered(10));
    const controller = new AbortController();
    controller.abort();
    const run = tool.run(parseToolInput(tool, { path: "a.txt" }), { signal: controller.signal, callId: "t" });
    await expect(run).rejects.toThrow(/abort/i);
  });

  it("refuses a directory", async () => {
    mkdirSync(path.join(root, "src"));
    await expect(read({ path: "src" })).rejects.toThrow("src is a directory, not a file");
  });

  it("refuses a FIFO without hanging", async () => {
    execFileSync("mkfifo", [path.join(root, "pipe")]);
    await expect(read({ path: "pipe" })).rejects.toThrow(/FIFO/);
  });

  it("refuses a symlink that escapes the workspace", async () => {
    symlinkSync("/etc/hostname", path.join(root, "host"));
    await expect(read({ path: "host" })).rejects.toThrow(
      "path escapes the workspace via symlink: host -> /etc/hostname",
    );
  });

  it("rejects offset 0 with a message naming the field", () => {
    expect(() => parseToolInput(tool, { path: "a.txt", offset: 0 })).toThrow(/`offset`/);
  });

  it("describes every field of its schema", () => {
    const spec = toToolSpec(tool);
    const properties = spec.input_schema.properties as Record<string, { description?: string }>;
    expect(Object.keys(properties)).toEqual(["path", "offset", "limit"]);
    for (const field of Object.values(properties)) expect(field.description).toMatch(/\w+/);
  });
});
