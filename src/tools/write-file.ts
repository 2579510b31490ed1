import { closeSync, constants, ftruncateSync, writeSync } from "node:fs";
import { z } from "zod";
import { defineTool, type Tool } from "./define-tool.js";
import { createParentFolders, openInWorkspace, resolveInWorkspace } from "./workspace-path.js";

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

export function createWriteFileTool(root: string): Tool<typeof WriteFileInput> {
  return defineTool({
    name: "write_file",
    description:
      "Create or overwrite a file in the workspace with the given content; parent folders are created.",
    schema: WriteFileInput,
    async run(input) {
      const target = resolveInWorkspace(root, input.path, { allowMissing: true });
      // Each folder is made inside its verified parent; the open below re-checks the result.
      if (target.stats === null) createParentFolders(target.realRoot, target.realPath, target.relativePath);
      // No O_TRUNC: the old content is only cut after the opened file was verified to be inside.
      const file = openInWorkspace(root, input.path, constants.O_WRONLY | constants.O_CREAT);
      try {
        const bytes = Buffer.from(input.content, "utf8");
        replaceFileContent(file.fd, bytes);
        return `Wrote ${bytes.length} bytes to ${file.relativePath}`;
      } finally {
        closeSync(file.fd);
      }
    },
  });
}
