import { homedir } from "node:os";
import { closeSync, constants, fstatSync, ftruncateSync, writeSync } from "node:fs";
import * as z from "zod";
import { formatBytes } from "../text/preview.js";
import { defineTool, ToolError, type Tool } from "./define-tool.js";
import type { FileChangeDetails } from "./tool-details.js";
import { describeChange, readOpenedFile, type FileEditHooks } from "./file-edits.js";
import { assertNotProtected } from "./protected-write.js";
import { createParentFolders, openInWorkspace, resolveInWorkspace } from "./workspace-path.js";

/** The old content is held in memory for the diff and /undo; beyond this, bash tools are the better choice. */
export const MAX_EDIT_BYTES = 10 * 1024 * 1024;

const WriteFileInput = z.object({
  path: z.string().min(1).describe("File to write, relative to the workspace root (or absolute inside it)"),
  content: z.string().describe("The complete new content of the file"),
});

/** Writes all of `bytes` at the start of `fd`, then cuts off whatever the old content had beyond it. */
export function replaceFileContent(fd: number, bytes: Uint8Array): void {
  for (let written = 0; written < bytes.length;) {
    written += writeSync(fd, bytes, written, bytes.length - written, written);
  }
  ftruncateSync(fd, bytes.length);
}

/** The file's bytes now, or null when it does not exist yet. */
function currentContent(root: string, inputPath: string): Buffer | null {
  const target = resolveInWorkspace(root, inputPath, { allowMissing: true });
  if (target.stats === null) return null;
  const file = openInWorkspace(root, inputPath, constants.O_RDONLY);
  try {
    if (file.size > MAX_EDIT_BYTES)
      throw new ToolError(
        `${file.relativePath} is ${formatBytes(file.size)}; write_file replaces files up to ${formatBytes(MAX_EDIT_BYTES)} (the old content is kept for /undo)`,
      );
    return readOpenedFile(file.fd, file.size);
  } finally {
    closeSync(file.fd);
  }
}

export function createWriteFileTool(
  root: string,
  hooks: FileEditHooks = {},
): Tool<typeof WriteFileInput, FileChangeDetails> {
  const home = hooks.home ?? homedir();
  return defineTool({
    name: "write_file",
    description:
      "Create or overwrite a file in the workspace with the given content; parent folders are created.",
    schema: WriteFileInput,
    async run(input, context) {
      const bytes = Buffer.from(input.content, "utf8");
      const before = currentContent(root, input.path);
      const target = resolveInWorkspace(root, input.path, { allowMissing: true });
      assertNotProtected(target.realRoot, target.realPath, target.relativePath, home, hooks.cacheDir);
      const proposed = describeChange(target.relativePath, target.realPath, before, bytes);
      await hooks.approve?.(proposed, context.signal);
      // Each folder is made inside its verified parent; the open below re-checks the result.
      const now = resolveInWorkspace(root, input.path, { allowMissing: true });
      if (now.stats === null) createParentFolders(now.realRoot, now.realPath, now.relativePath);
      // No O_TRUNC: the old content is only cut after the opened file was verified to be inside.
      const file = openInWorkspace(root, input.path, constants.O_RDWR | constants.O_CREAT);
      try {
        // Checked again on what was opened: a link swapped in meanwhile cannot lead into a protected file.
        assertNotProtected(now.realRoot, file.realPath, file.relativePath, home, hooks.cacheDir);
        const found = readOpenedFile(file.fd, fstatSync(file.fd).size);
        // Changed while the user read the question: what they approved is not what would be replaced.
        if (before === null ? found.length > 0 : !found.equals(before))
          throw new ToolError(
            `${file.relativePath} changed since it was read (while the write waited for approval?); nothing was written`,
          );
        replaceFileContent(file.fd, bytes);
        const change = { ...proposed, path: file.relativePath, realPath: file.realPath, before };
        hooks.applied?.(change);
        const details: FileChangeDetails = {
          path: file.relativePath,
          bytes: bytes.length,
          diff: change.diff,
        };
        return { content: `Wrote ${bytes.length} bytes to ${file.relativePath}`, details };
      } finally {
        closeSync(file.fd);
      }
    },
  });
}
