import { stripControls, stripEscapes } from "./sanitize.js";

/** Tabs as the screen shows them: the width arithmetic below needs every cell accounted for. */
export const TAB = "    ";

/** Text from outside (model output, logs) made safe to print: no escape sequences or control characters. */
export function terminalSafe(text: string): string {
  return stripControls(stripEscapes(text.replace(/\r\n/g, "\n")));
}

// East Asian wide and fullwidth ranges, and the emoji blocks terminals draw two cells wide.
const WIDE: ReadonlyArray<readonly [number, number]> = [
  [0x1100, 0x115f],
  [0x2e80, 0x303e],
  [0x3041, 0x33ff],
  [0x3400, 0x4dbf],
  [0x4e00, 0x9fff],
  [0xa000, 0xa4cf],
  [0xac00, 0xd7a3],
  [0xf900, 0xfaff],
  [0xfe30, 0xfe4f],
  [0xff00, 0xff60],
  [0xffe0, 0xffe6],
  [0x1f300, 0x1f64f],
  [0x1f900, 0x1f9ff],
  [0x20000, 0x3fffd],
];

function isZeroWidth(code: number): boolean {
  return (
    (code >= 0x0300 && code <= 0x036f) ||
    (code >= 0x200b && code <= 0x200f) ||
    (code >= 0x20d0 && code <= 0x20ff) ||
    (code >= 0xfe00 && code <= 0xfe0f)
  );
}

/** Cells one code point takes: 0, 1 or 2. */
export function charWidth(char: string): number {
  const code = char.codePointAt(0) ?? 0;
  if (isZeroWidth(code)) return 0;
  return WIDE.some(([from, to]) => code >= from && code <= to) ? 2 : 1;
}

/** Cells a text takes on one row (escape sequences ignored, tabs as TAB). */
export function displayWidth(text: string): number {
  let width = 0;
  for (const char of stripEscapes(text)) width += char === "\t" ? TAB.length : charWidth(char);
  return width;
}

/** At most `width` cells of plain text, with "…" when something was cut. */
export function truncateToWidth(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  let out = "";
  let used = 0;
  for (const char of text) {
    const cells = charWidth(char);
    if (used + cells > width - 1) break;
    out += char;
    used += cells;
  }
  return `${out}…`;
}

/** The longest start of `text` that fits in `cells` cells, and the rest. */
export function splitAtWidth(text: string, cells: number): [string, string] {
  let used = 0;
  let index = 0;
  for (const char of text) {
    const width = charWidth(char);
    if (used + width > cells) break;
    used += width;
    index += char.length;
  }
  return [text.slice(0, index), text.slice(index)];
}
