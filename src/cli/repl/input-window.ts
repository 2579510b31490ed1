import { displayWidth, TAB } from "../../text/width.js";

/** The prompt as drawn: its lines (prefix included) and the cursor's line and cell column among them. */
export interface InputWindow {
  lines: string[];
  cursorLine: number;
  cursorColumn: number;
}

const PREFIX_CELLS = 2;

/**
 * The input's lines behind a prompt (`› ` first, two spaces after), cut to at most `budgetRows` terminal
 * rows for a long paste: the cursor's line and what follows it first, then what precedes it, with a
 * marker line for each side left out. Tabs are shown as TAB so the cursor column is right.
 */
export function inputWindow(
  text: string,
  cursor: number,
  options: { columns: number; budgetRows: number; prompt: string; dim: (text: string) => string },
): InputWindow {
  const all = text
    .split("\n")
    .map((line, i) => `${i === 0 ? options.prompt : "  "}${line.replaceAll("\t", TAB)}`);
  const before = text.slice(0, cursor);
  const cursorIndex = before.split("\n").length - 1;
  const cursorColumn = PREFIX_CELLS + displayWidth(before.slice(before.lastIndexOf("\n") + 1));
  const rows = all.map((line) => Math.ceil(displayWidth(line) / options.columns) || 1);
  // Two rows are kept for the markers, in case both are needed.
  const budget = Math.max(1, options.budgetRows - 2);
  let first = cursorIndex;
  let last = cursorIndex;
  let used = rows[cursorIndex] ?? 1;
  while (last + 1 < all.length && used + (rows[last + 1] ?? 1) <= budget) used += rows[++last] ?? 1;
  while (first > 0 && used + (rows[first - 1] ?? 1) <= budget) used += rows[--first] ?? 1;
  const above = first > 0 ? [options.dim(`  … ${first} more line(s) above`)] : [];
  const below = last < all.length - 1 ? [options.dim(`  … ${all.length - 1 - last} more line(s) below`)] : [];
  return {
    lines: [...above, ...all.slice(first, last + 1), ...below],
    cursorLine: above.length + cursorIndex - first,
    cursorColumn,
  };
}
