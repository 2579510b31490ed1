import { lstatSync, readdirSync, readFileSync, realpathSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { ProtectedPath } from "./protected-paths.js";

const readOnly = (path: string, kind: "file" | "dir"): ProtectedPath => ({ path, kind, how: "read-only" });

function typeOf(path: string): "file" | "dir" | "link" | undefined {
  try {
    const stat = lstatSync(path);
    return stat.isSymbolicLink() ? "link" : stat.isDirectory() ? "dir" : "file";
  } catch {
    return undefined;
  }
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

function realPath(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

/** The folder a `.git` file (`gitdir: PATH`, a worktree or submodule checkout) points to. */
function pointedGitDir(dotGitFile: string): string | undefined {
  const match = /^gitdir:\s*(.+?)\s*$/m.exec(readText(dotGitFile) ?? "");
  return match?.[1] === undefined ? undefined : resolve(dirname(dotGitFile), match[1]);
}

/** What runs from one git folder: its config, its hooks, and a worktree's own config. */
function gitDirFiles(gitDir: string): ProtectedPath[] {
  const commonText = readText(join(gitDir, "commondir"));
  const common = commonText === undefined ? gitDir : resolve(gitDir, commonText.trim());
  // Read only when extensions.worktreeConfig (in the protected config) is on: a mount point only then.
  const perWorktree = /worktreeconfig\s*=\s*true/i.test(readText(join(common, "config")) ?? "");
  return [
    readOnly(join(common, "config"), "file"),
    readOnly(join(common, "hooks"), "dir"),
    { ...readOnly(join(gitDir, "config.worktree"), "file"), whenMissing: perWorktree },
  ];
}

/** Submodules' git folders under `modules/` (a name may hold slashes: `modules/a/b`), a few levels deep. */
function moduleGitDirs(modules: string, depth = 3): string[] {
  if (depth === 0 || typeOf(modules) !== "dir") return [];
  const found: string[] = [];
  for (const name of readdirSync(modules)) {
    const path = join(modules, name);
    if (typeOf(path) !== "dir") continue;
    if (typeOf(join(path, "HEAD")) === "file")
      found.push(path, ...moduleGitDirs(join(path, "modules"), depth - 1));
    else found.push(...moduleGitDirs(path, depth - 1));
  }
  return found;
}

/** Checkouts listed in `.gitmodules` (`path = X`), whose `.git` files say where their git folder is. */
function submoduleCheckouts(root: string): string[] {
  const text = readText(join(root, ".gitmodules")) ?? "";
  return [...text.matchAll(/^\s*path\s*=\s*(.+?)\s*$/gm)].flatMap((m) => (m[1] ? [join(root, m[1])] : []));
}

/** The git files of one repository checkout at `checkout` (nothing when it has no `.git`). */
export function repositoryFiles(checkout: string): ProtectedPath[] {
  const dotGit = join(checkout, ".git");
  const type = typeOf(dotGit);
  if (type === undefined) return [];
  let gitDir: string | undefined = dotGit;
  const found: ProtectedPath[] = [];
  if (type === "file") {
    // The pointer itself: rewritten, it would send the user's next git to a folder the command filled.
    found.push(readOnly(dotGit, "file"));
    gitDir = pointedGitDir(dotGit);
  } else if (type === "link") {
    gitDir = realPath(dotGit);
  }
  if (gitDir === undefined) return found;
  found.push(...gitDirFiles(gitDir));
  for (const module of moduleGitDirs(join(gitDir, "modules"))) found.push(...gitDirFiles(module));
  return found;
}

/**
 * The git files that run programs on the user's next `git` outside (config: fsmonitor, pager, aliases,
 * filters, hooksPath; the hooks), of the repository at `root` and of its submodules. A root without
 * `.git` gets nothing: protecting `.git` before it exists would refuse `git init`.
 */
export function gitPathsToProtect(root: string): ProtectedPath[] {
  const found = repositoryFiles(root);
  for (const checkout of submoduleCheckouts(root)) found.push(...repositoryFiles(checkout));
  return found;
}

/**
 * The checkout of the repository that holds `workspace` from above (lanes started in a subfolder of a
 * repository), or undefined. Its `.git` is writable inside only when a writable root holds it (a repository
 * under /tmp): the caller decides.
 */
export function enclosingCheckout(workspace: string): string | undefined {
  for (let dir = dirname(workspace); ; dir = dirname(dir)) {
    if (typeOf(join(dir, ".git")) !== undefined) return dir;
    if (dir === dirname(dir)) return undefined;
  }
}
