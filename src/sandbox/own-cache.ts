import { realpathSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { lanesCacheDir } from "../config/cache-dir.js";

/** `path` with its nearest existing folder resolved, as bubblewrap will see it; the rest as written. */
export function realised(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    const parent = dirname(path);
    if (parent === path) return undefined;
    const real = realised(parent);
    return real === undefined ? undefined : join(real, basename(path));
  }
}

/**
 * lanes' cache folder for the protection scope. Protected even while missing (an empty mount point holds
 * it, as for `.vscode/`), so no command can make it first and fill it.
 */
export function ownCache(env: NodeJS.ProcessEnv): { lanesCache?: string } {
  const real = realised(lanesCacheDir(env));
  return real === undefined ? {} : { lanesCache: real };
}
