import { readSync } from "node:fs";
import { unifiedDiff } from "./file-diff.js";

/** One change a file tool is about to make (or made): the whole content before and after. */
export interface FileChange {
  /** Relative to the workspace root, as messages show it. */
  path: string;
  /** Absolute and symlink-free: where the bytes go. */
  realPath: string;
  /** null: the file did not exist. */
  before: Buffer | null;
  after: Buffer;
  /** Unified diff of the change (git format), for people; "" when the bytes are the same. */
  diff: string;
}

/**
 * What write_file and edit_file call around a write. `approve` throws a ToolError to refuse (untrusted
 * approval, declined or nobody to ask); `applied` is told after the bytes are on disk.
 */
export interface FileEditHooks {
  /** The user's home, whose rc files are protected where the workspace holds it; default os.homedir(). */
  home?: string | undefined;
  /** lanes' cache folder (agent workers run the code cached there, outside the sandbox): never written. */
  cacheDir?: string | undefined;
  approve?(change: FileChange, signal: AbortSignal): Promise<void>;
  applied?(change: FileChange): void;
}

/** Text for the diff: binary content is named, not dumped onto a terminal. */
function diffText(bytes: Buffer): string | undefined {
  if (bytes.includes(0)) return undefined;
  const text = bytes.toString("utf8");
  return text.includes("\ufffd") && !Buffer.from(text, "utf8").equals(bytes) ? undefined : text;
}

export function describeChange(
  path: string,
  realPath: string,
  before: Buffer | null,
  after: Buffer,
): FileChange {
  const oldText = before === null ? null : diffText(before);
  const newText = diffText(after);
  const diff =
    oldText === undefined || newText === undefined
      ? before?.equals(after)
        ? ""
        : `Binary file ${path} ${before === null ? "created" : "changed"} (${after.length} bytes)\n`
      : unifiedDiff(path, oldText, newText);
  return { path, realPath, before, after, diff };
}

/** Every byte of an opened file, from its start. */
export function readOpenedFile(fd: number, size: number): Buffer {
  const buffer = Buffer.alloc(size);
  let read = 0;
  while (read < size) {
    const n = readSync(fd, buffer, read, size - read, read);
    if (n === 0) break;
    read += n;
  }
  return buffer.subarray(0, read);
}
