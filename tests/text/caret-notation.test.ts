import { describe, expect, it } from "vitest";
import { caretStream } from "../../src/text/caret-notation.js";

function shown(chunks: Buffer[]): string {
  let out = "";
  const stream = caretStream((text) => (out += text));
  for (const chunk of chunks) stream.write(chunk);
  stream.end();
  return out;
}

describe("caretStream: bytes for a terminal, every control shown as text", () => {
  it("shows ESC, BEL, NUL, DEL, C1 and a lone \\r; keeps \\n, \\r\\n and tab", () => {
    const bytes = Buffer.from("\x1b]0;t\x07\x1b[2Ja\x00\x7f\tb\r\nc\rd\n", "latin1");
    expect(shown([bytes, Buffer.from([0xc2, 0x9b])])).toBe("^[]0;t^G^[[2Ja^@^?\tb\r\nc^Md\nM-^[");
  });

  it("holds a character or a \\r\\n split between chunks, and shows invalid UTF-8 as U+FFFD", () => {
    const chunks = [
      Buffer.from("x\r"),
      Buffer.from([0x0a, 0xe2, 0x82]),
      Buffer.from([0xac, 0xff]),
      Buffer.from("\r"),
    ];
    expect(shown(chunks)).toBe("x\r\n€\ufffd^M");
  });
});
