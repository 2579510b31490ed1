import { lstatSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";

/**
 * lanes' empty folder, bound read-only over the empty and hidden folders of every sandboxed command. It lies
 * in lanes' folder, read-only inside every sandbox of the workspace, and is never removed (a command
 * starting now may be binding it). Undefined when it cannot be had as an empty real folder: the caller
 * falls back to a tmpfs per path, as before.
 */
export function lanesEmptyDir(lanesDir: string): string | undefined {
  const path = join(lanesDir, "sandbox-empty");
  try {
    mkdirSync(path, { recursive: true, mode: 0o755 });
    return lstatSync(path).isDirectory() && readdirSync(path).length === 0 ? path : undefined;
  } catch {
    return undefined;
  }
}
