import { terminalSafe } from "../text/width.js";
import type { Style } from "../text/style.js";

/** Lines of a diff the transcript shows; a long rewrite is cut with a count (git diff has it all). */
export const SHOWN_DIFF_LINES = 80;

/** A unified diff for the transcript, indented under the tool call: removed red, added green, hunks cyan. */
export function renderDiff(diff: string, style: Style, keep = SHOWN_DIFF_LINES): string {
  const lines = terminalSafe(diff).replace(/\n$/, "").split("\n");
  const shown = lines.slice(0, keep).map((line) => {
    if (line.startsWith("+++") || line.startsWith("---")) return style.bold(line);
    if (line.startsWith("@@")) return style.cyan(line);
    if (line.startsWith("+")) return style.green(line);
    if (line.startsWith("-")) return style.red(line);
    return line;
  });
  if (lines.length > keep) shown.push(style.dim(`… ${lines.length - keep} more diff lines`));
  return shown.map((line) => `    ${line}`).join("\n");
}
