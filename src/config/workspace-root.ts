import { statSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, resolve } from "node:path";

/** Where lanes started and which folder it took as the workspace (the project root). */
export interface WorkspaceRoot {
  root: string;
  /** The folder lanes was started in (at or below root). */
  cwd: string;
}

function hasMarker(folder: string): boolean {
  if (statSync(resolve(folder, ".lanes"), { throwIfNoEntry: false })?.isDirectory()) return true;
  return statSync(resolve(folder, ".git"), { throwIfNoEntry: false }) !== undefined;
}

/**
 * The project a folder belongs to, as users expect from git: the nearest folder at or above `start` with
 * `.lanes/` or `.git`, else `start` itself. The search never climbs into $HOME or `/` (a dotfiles repo or a
 * stray ~/.lanes would make every loose folder "the home project"); started there, they are the root.
 */
export function findWorkspaceRoot(start: string, home: string = homedir()): WorkspaceRoot {
  const cwd = resolve(start);
  for (let folder = cwd; ; folder = dirname(folder)) {
    const top = folder === dirname(folder) || folder === resolve(home);
    if (top && folder !== cwd) return { root: cwd, cwd };
    if (hasMarker(folder)) return { root: folder, cwd };
    if (top) return { root: cwd, cwd };
  }
}

/** `/` or $HOME: a workspace where workspace-write means nearly everything the user owns. */
export function isTooWideWorkspace(root: string, home: string = homedir()): boolean {
  return root === "/" || root === resolve(home);
}
