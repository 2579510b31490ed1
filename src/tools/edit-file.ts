import { homedir } from "node:os";
import { closeSync, constants, fstatSync, realpathSync } from "node:fs";
import * as z from "zod";
import { formatBytes } from "../text/preview.js";
import { defineTool, ToolError, type Tool } from "./define-tool.js";
import type { FileChangeDetails } from "./tool-details.js";
import { describeChange, readOpenedFile, type FileEditHooks } from "./file-edits.js";
import { MAX_EDIT_BYTES, replaceFileContent } from "./write-file.js";
import { assertNotProtected } from "./protected-write.js";
import { openInWorkspace } from "./workspace-path.js";

// ignoreBOM keeps a byte-order mark in the text, so writing it back does not drop it.
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

const EditFileInput = z.object({
  path: z.string().min(1).describe("File to edit, relative to the workspace root (or absolute inside it)"),
  old_text: z.string().describe("Exact text to replace; must occur exactly once in the file"),
  new_text: z.string().describe("Text to put in its place"),
});

/** Start indexes of every occurrence, overlapping ones included (they make a match ambiguous too). */
function occurrences(text: string, search: string): number[] {
  const found: number[] = [];
  for (let at = text.indexOf(search); at !== -1; at = text.indexOf(search, at + 1)) found.push(at);
  return found;
}

function countLines(text: string): number {
  return text.split("\n").length;
}

function readWholeFile(fd: number, size: number, shown: string): { bytes: Buffer; text: string } {
  if (size > MAX_EDIT_BYTES) {
    throw new ToolError(
      `${shown} is ${formatBytes(size)}; edit_file handles files up to ${formatBytes(MAX_EDIT_BYTES)}`,
    );
  }
  const bytes = readOpenedFile(fd, size);
  try {
    return { bytes, text: strictUtf8.decode(bytes) };
  } catch {
    throw new ToolError(`${shown} is not valid UTF-8 text; edit_file would corrupt it`);
  }
}

export function createEditFileTool(
  root: string,
  hooks: FileEditHooks = {},
): Tool<typeof EditFileInput, FileChangeDetails> {
  const home = hooks.home ?? homedir();
  return defineTool({
    name: "edit_file",
    description:
      "Replace exactly one exact occurrence of old_text with new_text in a workspace file. Include enough surrounding lines to make old_text unique.",
    schema: EditFileInput,
    async run(input, context) {
      if (input.old_text === "") throw new ToolError("old_text is empty; give the exact text to replace");
      if (input.old_text === input.new_text)
        throw new ToolError("old_text and new_text are the same; nothing to do");
      const file = openInWorkspace(root, input.path, constants.O_RDWR);
      try {
        assertNotProtected(realpathSync(root), file.realPath, file.relativePath, home, hooks.cacheDir);
        const { bytes, text } = readWholeFile(file.fd, file.size, file.relativePath);
        let oldText = input.old_text;
        let newText = input.new_text;
        let matches = occurrences(text, oldText);
        // read_file shows CRLF files as plain lines, so the model sends "\n"; match the file's own endings.
        if (matches.length === 0 && !oldText.includes("\r") && text.includes("\r\n")) {
          oldText = oldText.replace(/\n/g, "\r\n");
          newText = newText.replace(/\r?\n/g, "\r\n");
          matches = occurrences(text, oldText);
        }
        const [at] = matches;
        if (at === undefined) throw new ToolError(`old_text not found in ${file.relativePath}`);
        if (matches.length > 1) {
          throw new ToolError(
            `old_text matches ${matches.length} times in ${file.relativePath}; add surrounding lines to make it unique`,
          );
        }
        const edited = text.slice(0, at) + newText + text.slice(at + oldText.length);
        const change = describeChange(file.relativePath, file.realPath, bytes, Buffer.from(edited, "utf8"));
        await hooks.approve?.(change, context.signal);
        // Changed while the user read the question: what they approved is not what would be replaced.
        if (!readOpenedFile(file.fd, fstatSync(file.fd).size).equals(bytes))
          throw new ToolError(
            `${file.relativePath} changed since it was read (while the edit waited for approval?); nothing was written`,
          );
        replaceFileContent(file.fd, change.after);
        hooks.applied?.(change);
        const line = countLines(text.slice(0, at));
        const details: FileChangeDetails = {
          path: file.relativePath,
          bytes: change.after.length,
          diff: change.diff,
          line,
        };
        const content = `Edited ${file.relativePath} at line ${line}: ${countLines(oldText)} line(s) replaced by ${countLines(newText)}`;
        return { content, details };
      } finally {
        closeSync(file.fd);
      }
    },
  });
}
