import { charWidth, displayWidth, TAB } from "./width.js";

// SGR sequences (colours, bold): the only escapes our own styling writes into a line we wrap.
// eslint-disable-next-line no-control-regex
const SGR = /\u001b\[[0-9;]*m/y;
// eslint-disable-next-line no-control-regex
const RESET = /^\u001b\[0?m$/;
// A list item, a quote, one of the REPL's marked lines (tool call and result, task, notice), a two-column row
// (`  /tasks      list ...`, as /help) or a task listing's row (its 8-hex-digit id, two spaces): wrapped rows
// hang under the text, not under the mark, the first column or the id.
const HANGING = /^(\s*(?:[-*+•>⎿⏺■▶⚑…↻]|\d+[.)])\s+| {2}\S+(?: \S+)* {2,}(?=\S)|\s+|[0-9a-f]{8} {2})/;

interface Row {
  text: string;
  cells: number;
}

/**
 * A styled line broken at spaces into rows of at most `width` cells, as a reader expects (a terminal breaks
 * mid-word). A word longer than a row is cut; colours still open at a break are closed and reopened on the
 * next row; continuation rows hang under a list item's text. Plain text in, the same text out when it fits.
 */
export function wrapLine(line: string, width: number): string[] {
  const plain = line.replace(new RegExp(SGR.source, "g"), "");
  const indentCells = Math.min(displayWidth(HANGING.exec(plain)?.[0] ?? ""), Math.floor(width / 2));
  const indent = " ".repeat(indentCells);
  const rows: string[] = [];
  const open: string[] = [];
  let row: Row = { text: "", cells: 0 };
  // Where the row may break: just after its last space, with the styles open there.
  let breakAt: { index: number; cells: number; open: string[] } | undefined;

  const endRow = (text: string, reopen: string[]): void => {
    rows.push(reopen.length > 0 ? `${text}\u001b[0m` : text);
    row = { text: indent + reopen.join(""), cells: indentCells };
    breakAt = undefined;
  };

  for (let index = 0; index < line.length;) {
    SGR.lastIndex = index;
    const escape = SGR.exec(line);
    if (escape) {
      if (RESET.test(escape[0])) open.length = 0;
      else open.push(escape[0]);
      row.text += escape[0];
      index += escape[0].length;
      continue;
    }
    const char = String.fromCodePoint(line.codePointAt(index) ?? 0);
    index += char.length;
    const cells = char === "\t" ? TAB.length : charWidth(char);
    if (row.cells + cells > width && row.cells > indentCells) {
      if (char === " ") {
        endRow(row.text, [...open]);
        continue;
      }
      if (breakAt && breakAt.cells > indentCells) {
        const rest = row.text.slice(breakAt.index);
        const restCells = row.cells - breakAt.cells;
        const reopen = breakAt.open;
        endRow(row.text.slice(0, breakAt.index).replace(/ +$/, ""), reopen);
        row = { text: row.text + rest, cells: row.cells + restCells };
      } else endRow(row.text, [...open]);
    }
    row.text += char;
    row.cells += cells;
    if (char === " ") breakAt = { index: row.text.length, cells: row.cells, open: [...open] };
  }
  rows.push(row.text);
  return rows;
}
