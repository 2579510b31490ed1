import type { LaneManager } from "../lanes/lane-manager.js";
import { isTerminal, type TaskRecord } from "../lanes/task-record.js";
import { inertText } from "../text/inert.js";
import { newlinesOnly, sanitizeOutput } from "../text/sanitize.js";
import { fileSize, partialTailBytes, readWindow } from "../text/utf8-window.js";
import { MODEL_OUTPUT_CHARS } from "./command-output.js";
import { ToolError } from "./define-tool.js";
import type { MatchReply } from "../patterns/match-worker.js";
import { Pattern, PatternTimeout } from "../patterns/pattern.js";

export type OutputMode = "tail" | "new" | "none";

/** Output chars in a check_background reply: the budget less room for the record printed above them. */
const OUTPUT_CHARS = MODEL_OUTPUT_CHARS - 2_000;

/** How much of a log grep scans at most: enough for real logs, bounded for floods. */
const GREP_SCAN_BYTES = 16 * 1024 * 1024;

/** Reads the part of a task's log the model asked for, always under the reply budget. */
export async function readTaskOutput(
  lanes: LaneManager,
  record: TaskRecord,
  mode: OutputMode,
  lines: number,
  grep: string | undefined,
): Promise<string> {
  if (mode === "none") return "";
  const pattern = grep === undefined ? undefined : compile(grep);
  const from = mode === "new" ? lanes.readCursor(record.id) : 0;
  const size = fileSize(record.output_file);
  const budget = pattern ? GREP_SCAN_BYTES : MODEL_OUTPUT_CHARS * 2;
  const start = Math.max(from, size - budget);
  // The cursor must not pass the first bytes of a character the task is still writing: they would be lost.
  const end =
    mode === "new" && !isTerminal(record.status) ? size - partialTailBytes(record.output_file, size) : size;
  const windowed =
    end > start ? readWindow(record.output_file, start, end - start) : { text: "", start, end: start };
  let text: string;
  let header: string;
  // Raw bytes of the window that precede what is shown (counted on the log, before cleaning).
  let skippedInWindow = 0;
  if (pattern) {
    const matches = await grepLines(pattern, sanitizeOutput(windowed.text), lines);
    text = matches.lines.join("\n");
    header = `${matches.count} matching line(s)${matches.count > lines ? `, last ${lines} shown` : ""}`;
  } else if (mode === "new") {
    text = sanitizeOutput(windowed.text).replace(/\n$/, "");
    header = `new output since last read (${windowed.end - start} bytes)`;
  } else {
    const raw = windowed.text.replace(/\n$/, "");
    // Counted as the model will see the lines (a U+2028 starts one); the index still points into `raw`.
    const cut = startOfLastLines(newlinesOnly(raw), lines);
    skippedInWindow = Buffer.byteLength(raw.slice(0, cut));
    text = sanitizeOutput(raw.slice(cut));
    header = `last ${lines} lines`;
  }
  // Only once the reply is sure: a grep given up on must not move the cursor past output never shown.
  if (mode === "new") lanes.setReadCursor(record.id, windowed.end);
  let omitted = Math.max(0, start - from) + skippedInWindow;
  if (text.length > OUTPUT_CHARS) {
    omitted += Buffer.byteLength(text.slice(0, text.length - OUTPUT_CHARS));
    text = text.slice(text.length - OUTPUT_CHARS);
  }
  // Inert only once cut to size: a grep matched the output as printed (a pattern may look for `[bg:`), and a
  // 16 MB matched line is not copied again.
  text = inertText(text);
  const scope = pattern && start > from ? ` (searched the last ${GREP_SCAN_BYTES} bytes)` : "";
  const left = omitted > 0 ? `; ${omitted} earlier bytes not shown (full log in output_file)` : "";
  return `--- output: ${header}${scope}${left} ---\n${text.length > 0 ? text : "(nothing)"}`;
}

export function compile(source: string): Pattern {
  try {
    return Pattern.compile(source);
  } catch (error) {
    throw new ToolError(`\`grep\`: ${(error as Error).message}`);
  }
}

async function grepLines(pattern: Pattern, text: string, keep: number): Promise<MatchReply> {
  try {
    return await pattern.grep(text, keep);
  } catch (error) {
    if (!(error instanceof PatternTimeout)) throw error;
    throw new ToolError(
      `\`grep\`: ${error.message}: the pattern is too costly on this much output (${text.length} chars); use a simpler pattern, or output "tail" or "new"`,
    );
  }
}

/** Bytes at the end of the file's first `size` bytes that begin a UTF-8 character not yet complete. */
/** Index where the last `count` lines of `text` begin. */
function startOfLastLines(text: string, count: number): number {
  let index = text.length;
  for (let seen = 0; seen < count; seen++) {
    index = text.lastIndexOf("\n", index - 1);
    if (index === -1) return 0;
  }
  return index + 1;
}
