import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { ToolError } from "../tools/define-tool.js";

const run = promisify(execFile);

async function git(cwd: string, args: string[]): Promise<string> {
  const { stdout } = await run("git", ["-C", cwd, ...args], { encoding: "utf8" });
  return stdout.trim();
}

export interface Worktree {
  path: string;
  branch: string;
  /** The parent's HEAD it was cut from. */
  base: string;
  /** The parent's checkout, where git removes the worktree and its branch from. */
  origin: string;
}

/** The folder of an agent's worktree: inside `.lanes`, which git ignores. */
export function worktreePath(workspace: string, id: string): string {
  return join(workspace, ".lanes", "worktrees", id);
}

/**
 * A git worktree of the parent's HEAD (committed state only: uncommitted changes stay in the parent's
 * checkout) on the branch `lanes/agent-ID`. Throws a ToolError the model can act on when it cannot be made.
 */
export async function createWorktree(workspace: string, id: string): Promise<Worktree> {
  let base: string;
  try {
    base = await git(workspace, ["rev-parse", "--verify", "HEAD^{commit}"]);
  } catch {
    throw new ToolError(`isolation "worktree" needs a git repository with a commit at ${workspace}`);
  }
  const path = worktreePath(workspace, id);
  const branch = `lanes/agent-${id}`;
  try {
    await git(workspace, ["worktree", "add", "--quiet", "-b", branch, path, base]);
  } catch (error) {
    throw new ToolError(
      `git worktree add failed: ${(error as { stderr?: string }).stderr?.trim() ?? String(error)}`,
    );
  }
  return { path, branch, base, origin: workspace };
}

/** The git folder all worktrees share (objects, refs): an agent in a worktree must write there to commit. */
export function commonGitDir(worktree: string): Promise<string> {
  return git(worktree, ["rev-parse", "--path-format=absolute", "--git-common-dir"]);
}

/**
 * When the agent ends: a worktree with no commits and no changes is removed with its branch (undefined);
 * one with changes is kept, and its branch returned. `interrupted` (prune): removed anyway, its branch kept
 * when it holds commits not merged into HEAD.
 */
export async function finishWorktree(worktree: Worktree, interrupted = false): Promise<string | undefined> {
  if (!interrupted) {
    const dirty = await git(worktree.path, ["status", "--porcelain", "--untracked-files=all"]);
    const head = await git(worktree.path, ["rev-parse", "HEAD"]);
    if (dirty !== "" || head !== worktree.base) return worktree.branch;
  }
  await git(worktree.origin, ["worktree", "remove", "--force", worktree.path]);
  // An interrupted agent's commits stay on its branch; `branch -d` refuses to drop unmerged ones.
  const drop = interrupted ? "-d" : "-D";
  const kept = await git(worktree.origin, ["branch", drop, worktree.branch]).then(
    () => false,
    () => true,
  );
  return kept ? worktree.branch : undefined;
}
