import type { Style } from "./style.js";
import { displayWidth } from "./width.js";

const ITALIC = (text: string): string => `\u001b[3m${text}\u001b[23m`;

/** `code`, **bold**, *emphasis* and _emphasis_ inside one line; code spans are left as they are inside. */
export function renderInline(line: string, style: Style): string {
  return line
    .split(/(`[^`]+`)/)
    .map((part, index) => {
      if (index % 2 === 1) return style.cyan(part.slice(1, -1));
      return part
        .replace(/\*\*(?=\S)(.+?)\*\*/g, (_, text: string) => style.bold(text))
        .replace(/__(?=\S)(.+?)__/g, (_, text: string) => style.bold(text))
        .replace(
          /(^|[^\w*])\*(?=\S)([^*]+?)\*(?![\w*])/g,
          (_, before: string, text: string) => before + ITALIC(text),
        )
        .replace(
          /(^|[^\w])_(?=\S)([^_]+?)_(?!\w)/g,
          (_, before: string, text: string) => before + ITALIC(text),
        );
    })
    .join("");
}

function tableCells(line: string): string[] {
  return line
    .trim()
    .replace(/^\||\|$/g, "")
    .split("|")
    .map((cell) => cell.trim());
}

const SEPARATOR_ROW = /^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$/;

/** A table with its columns aligned, the header bold, and a rule under it. */
function renderTable(rows: string[], style: Style): string[] {
  const body = rows.filter((row) => !SEPARATOR_ROW.test(row)).map(tableCells);
  const hasHeader = rows.length > 1 && SEPARATOR_ROW.test(rows[1] ?? "");
  const columns = Math.max(...body.map((cells) => cells.length));
  const widths = Array.from({ length: columns }, (_, column) =>
    Math.max(...body.map((cells) => displayWidth(cells[column] ?? ""))),
  );
  const line = (cells: string[], header: boolean): string =>
    widths
      .map((width, column) => {
        const cell = cells[column] ?? "";
        const padded = cell + " ".repeat(width - displayWidth(cell));
        return header ? style.bold(padded) : renderInline(padded, style);
      })
      .join(style.dim(" │ "));
  const out = body.map((cells, index) => line(cells, hasHeader && index === 0));
  if (hasHeader) out.splice(1, 0, style.dim(widths.map((width) => "─".repeat(width)).join("─┼─")));
  return out;
}

/**
 * Markdown for a terminal, line by line as the model's text streams in: headings, emphasis, code blocks,
 * lists, quotes and tables (held until they end, to align them). Give it terminal-safe text.
 */
export class MarkdownLines {
  private fence: string | undefined;
  private table: string[] = [];

  constructor(private readonly style: Style) {}

  /** The lines to print for one whole input line (none while a table is being collected). */
  line(raw: string): string[] {
    const { style } = this;
    const fence = /^\s*(`{3,}|~{3,})/.exec(raw)?.[1];
    if (this.fence !== undefined) {
      if (fence !== undefined && fence.startsWith(this.fence)) {
        this.fence = undefined;
        return [];
      }
      return [style.cyan(`  ${raw}`)];
    }
    if (/^\s*\|.*\|\s*$/.test(raw)) {
      this.table.push(raw);
      return [];
    }
    const out = this.end();
    if (fence !== undefined) {
      this.fence = fence;
      return out;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(raw);
    if (heading) out.push(style.bold(heading[1] === "#" ? heading[2]!.toUpperCase() : heading[2]!));
    else if (/^\s*([-*_])(\s*\1){2,}\s*$/.test(raw)) out.push(style.dim("─".repeat(40)));
    else if (/^\s*>/.test(raw)) out.push(style.dim(`│ ${raw.replace(/^\s*>\s?/, "")}`));
    else {
      const bullet = /^(\s*)[-*+]\s+(.*)$/.exec(raw);
      out.push(bullet ? `${bullet[1]}• ${renderInline(bullet[2]!, style)}` : renderInline(raw, style));
    }
    return out;
  }

  /** The end of the text: a table still being collected is printed. */
  end(): string[] {
    if (this.table.length === 0) return [];
    const rows = this.table;
    this.table = [];
    return renderTable(rows, this.style);
  }

  /** Starts over (a failed attempt's text is void). */
  reset(): void {
    this.fence = undefined;
    this.table = [];
  }
}
