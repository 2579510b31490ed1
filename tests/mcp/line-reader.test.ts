import { describe, expect, it } from "vitest";
import { LineReader, type OverlongLine } from "../../src/mcp/line-reader.js";

function reader(maxBytes: number): {
  push: (...chunks: string[]) => void;
  lines: string[];
  overlong: OverlongLine[];
} {
  const lines: string[] = [];
  const overlong: OverlongLine[] = [];
  const lineReader = new LineReader(
    maxBytes,
    (line) => lines.push(line),
    (line) => overlong.push(line),
  );
  return {
    push: (...chunks) => chunks.forEach((chunk) => lineReader.push(Buffer.from(chunk))),
    lines,
    overlong,
  };
}

describe("LineReader: newline-ended lines of bounded length", () => {
  it("splits lines across and within chunks, drops \\r before the newline and skips blank lines", () => {
    const read = reader(100);
    read.push('{"a":', '1}\n{"b":2}\r\n\n  \n{"c"', ':3}\n{"d":4}');
    expect(read.lines).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
    read.push("\n");
    expect(read.lines.at(-1)).toBe('{"d":4}');
    expect(read.overlong).toEqual([]);
  });

  it("keeps a multi-byte character split across chunks whole", () => {
    const read = reader(100);
    const bytes = Buffer.from('"é€"\n');
    const lineReader = new LineReader(
      100,
      (line) => read.lines.push(line),
      () => {},
    );
    lineReader.push(bytes.subarray(0, 2));
    lineReader.push(bytes.subarray(2));
    expect(read.lines).toEqual(['"é€"']);
  });

  it("reports a line over the limit by its size and two ends, and reads the next line as usual", () => {
    const read = reader(10_000);
    const long = `HEAD${"x".repeat(20_000)}TAIL`;
    // Over the limit in the middle of a chunk, then more chunks of the same line.
    read.push(long.slice(0, 15_000), long.slice(15_000), "\nnext\n");
    expect(read.overlong).toHaveLength(1);
    const [line] = read.overlong;
    expect(line?.size).toBe(long.length);
    expect(line?.head.startsWith("HEAD")).toBe(true);
    expect(line?.tail.endsWith("TAIL")).toBe(true);
    expect((line?.head.length ?? 0) + (line?.tail.length ?? 0)).toBeLessThanOrEqual(8192);
    expect(read.lines).toEqual(["next"]);
  });

  it("a line of exactly the limit is a line; one byte more is over it", () => {
    const read = reader(8);
    read.push("12345678\n123456789\n");
    expect(read.lines).toEqual(["12345678"]);
    expect(read.overlong.map((line) => line.size)).toEqual([9]);
  });
});
