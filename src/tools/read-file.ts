import { closeSync, constants } from "node:fs";
import * as z from "zod";
import { formatBytes } from "../text/preview.js";
import { decodeWindow } from "../text/utf8-window.js";
import { defineTool, ToolError, type Tool, type ToolResult } from "./define-tool.js";
import type { ReadFileDetails } from "./tool-details.js";
import { countLinesFrom, readAt, readLineWindow, type LineWindow, type WindowLine } from "./file-lines.js";
import { openInWorkspace } from "./workspace-path.js";

const DEFAULT_LIMIT = 2000;
const READ_BUDGET_BYTES = 256 * 1024;
const MAX_OUTPUT_CHARS = 30_000;
const MAX_LINE_CHARS = 2000;
// Four bytes per character at most, so this always holds MAX_LINE_CHARS characters.
const MAX_LINE_BYTES = MAX_LINE_CHARS * 4;
const SNIFF_BYTES = 8192;
// Counting what is left after `limit` is a courtesy; past this much we only say how many bytes remain.
const COUNT_BUDGET_BYTES = 8 * 1024 * 1024;

const ReadFileInput = z.object({
  path: z.string().min(1).describe("File to read, relative to the workspace root (or absolute inside it)"),
  offset: z.number().int().min(1).optional().describe("First line to show, 1-based (default 1)"),
  limit: z.number().int().min(1).optional().describe(`How many lines to show (default ${DEFAULT_LIMIT})`),
});

/** NUL bytes, or mostly undecodable bytes, in the first few KiB mean the file is not text. */
function looksBinary(head: Buffer, cut: boolean): boolean {
  if (head.includes(0)) return true;
  const text = decodeWindow(head, false, cut);
  let replaced = 0;
  for (const char of text) if (char === "\uFFFD") replaced++;
  return text.length > 0 && replaced / text.length > 0.3;
}

function formatLine(line: WindowLine): string {
  const cut = line.totalBytes === null || line.totalBytes > line.bytes.length;
  let text = decodeWindow(line.bytes, false, cut);
  if (text.endsWith("\r")) text = text.slice(0, -1);
  const number = String(line.number).padStart(6);
  if (!cut && text.length <= MAX_LINE_CHARS) return `${number}\t${text}`;
  const length =
    line.totalBytes === null ? `more than ${formatBytes(READ_BUDGET_BYTES)}` : formatBytes(line.totalBytes);
  return `${number}\t${text.slice(0, MAX_LINE_CHARS)} … [line cut at ${MAX_LINE_CHARS} characters; it is ${length} long]`;
}

async function leftOutNote(
  fd: number,
  size: number,
  window: LineWindow,
  signal: AbortSignal,
): Promise<string> {
  const next = window.linesSeen + 1;
  if (window.stoppedBy === "bytes") {
    return `... (stopped after reading ${formatBytes(READ_BUDGET_BYTES)} of the file; use offset=${next} to read on)`;
  }
  const more = await countLinesFrom(fd, window.nextByte, COUNT_BUDGET_BYTES, signal);
  if (more === 0) return "";
  if (more === null) {
    return `... (file continues: ${formatBytes(size - window.nextByte)} not read; use offset=${next} to read on)`;
  }
  return `... (${more} more line${more === 1 ? "" : "s"}; use offset=${next} to read on)`;
}

export function createReadFileTool(root: string): Tool<typeof ReadFileInput, ReadFileDetails> {
  return defineTool({
    name: "read_file",
    description:
      "Read a text file in the workspace, with numbered lines. Large files are read in windows: use offset and limit to page.",
    schema: ReadFileInput,
    async run(input, { signal }) {
      const offset = input.offset ?? 1;
      const file = openInWorkspace(root, input.path, constants.O_RDONLY);
      try {
        const read = (
          content: string,
          kind: ReadFileDetails["kind"],
          lines = 0,
        ): ToolResult<ReadFileDetails> => ({
          content,
          details: { path: file.relativePath, kind, size: file.size, offset, lines },
        });
        if (file.size === 0) return read(`${file.relativePath} is empty (0 bytes)`, "empty");
        const head = Buffer.alloc(Math.min(SNIFF_BYTES, file.size));
        const headBytes = await readAt(file.fd, head, 0);
        if (looksBinary(head.subarray(0, headBytes), headBytes < file.size)) {
          return read(`Binary file ${file.relativePath} (${file.size} bytes) not shown`, "binary");
        }
        const window = await readLineWindow(file.fd, {
          offset,
          limit: input.limit ?? DEFAULT_LIMIT,
          maxBytes: READ_BUDGET_BYTES,
          maxLineBytes: MAX_LINE_BYTES,
          signal,
        });
        if (window.lines.length === 0) {
          throw new ToolError(
            `offset ${offset} is past the end of ${file.relativePath} (${window.linesSeen} lines)`,
          );
        }
        const shown: string[] = [];
        let chars = 0;
        for (const line of window.lines) {
          const text = formatLine(line);
          if (chars + text.length > MAX_OUTPUT_CHARS && shown.length > 0) {
            shown.push(
              `... (output limit of ${MAX_OUTPUT_CHARS} characters reached; use offset=${line.number} to read on)`,
            );
            return read(shown.join("\n"), "text", shown.length - 1);
          }
          shown.push(text);
          chars += text.length + 1;
        }
        const note =
          window.nextByte >= file.size ? "" : await leftOutNote(file.fd, file.size, window, signal);
        const lines = shown.length;
        return read(note === "" ? shown.join("\n") : `${shown.join("\n")}\n${note}`, "text", lines);
      } finally {
        closeSync(file.fd);
      }
    },
  });
}
