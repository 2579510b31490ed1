const SIMPLE: Record<string, string> = {
  a: "\x07",
  b: "\b",
  e: "\x1b",
  E: "\x1b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
  "\\": "\\",
  "'": "'",
  '"': '"',
  "?": "?",
};

function codePoint(hex: string): string {
  const value = Number.parseInt(hex, 16);
  return Number.isNaN(value) || value > 0x10ffff ? "" : String.fromCodePoint(value);
}

/**
 * Reads the body of ANSI-C quoting `$'...'` starting just after the opening quote, as bash decodes it
 * (`$'\x72m'` is `rm`). Returns the decoded text and the index just past the closing quote.
 */
export function readAnsiC(source: string, from: number): { text: string; end: number } {
  let text = "";
  let i = from;
  while (i < source.length && source[i] !== "'") {
    const c = source[i] ?? "";
    if (c !== "\\") {
      text += c;
      i++;
      continue;
    }
    const e = source[i + 1] ?? "";
    const rest = source.slice(i + 2);
    const escape = /^[0-7]{0,2}/.exec(rest)?.[0] ?? "";
    if (e in SIMPLE) [text, i] = [text + (SIMPLE[e] ?? ""), i + 2];
    else if (/[0-7]/.test(e)) {
      text += String.fromCharCode(Number.parseInt(e + escape, 8) & 0xff);
      i += 2 + escape.length;
    } else if (e === "x" || e === "u" || e === "U") {
      const digits = /^[0-9A-Fa-f]*/.exec(rest)?.[0].slice(0, e === "x" ? 2 : e === "u" ? 4 : 8) ?? "";
      text += digits === "" ? `\\${e}` : codePoint(digits);
      i += 2 + digits.length;
    } else if (e === "c" && i + 2 < source.length) {
      text += String.fromCharCode((source.charCodeAt(i + 2) & 0x1f) | 0);
      i += 3;
    } else [text, i] = [text + c + e, i + 2];
  }
  return { text, end: i + 1 };
}
