import { readFileSync } from "node:fs";

/** A /proc file's text, or "" once it cannot be read (the process is gone, another user's, no /proc). */
export function readProcFile(path: string): string {
  try {
    return readFileSync(path, "latin1");
  } catch {
    return "";
  }
}
