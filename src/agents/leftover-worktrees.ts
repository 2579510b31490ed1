import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { readAgentState } from "../lanes/agent-state.js";
import type { TaskRecord } from "../lanes/task-record.js";
import { isTerminal } from "../lanes/task-record.js";
import { finishWorktree, worktreePath } from "./worktree.js";

/** Phases after which the worker itself decided the worktree's fate (kept with changes, or removed). */
const DECIDED = new Set(["completed", "failed", "budget_exceeded"]);

export interface LeftoverWorktree {
  id: string;
  path: string;
  branch: string;
}

/**
 * Worktrees whose agent ended without deciding (killed, crashed, lost): nobody removes them but
 * `lanes tasks prune`. `records` are the workspace's tasks as the reconcile derives them now.
 */
export function interruptedWorktrees(workspace: string, records: TaskRecord[]): LeftoverWorktree[] {
  const dir = join(workspace, ".lanes", "worktrees");
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((id) => {
    const record = records.find((candidate) => candidate.id === id);
    if (record && !isTerminal(record.status)) return [];
    const state = readAgentState(join(workspace, ".lanes"), id);
    if (state && DECIDED.has(state.phase)) return [];
    return [{ id, path: worktreePath(workspace, id), branch: state?.branch ?? `lanes/agent-${id}` }];
  });
}

/** One line for `lanes tasks`, or "" when there is none. */
export function interruptedWorktreesText(leftovers: LeftoverWorktree[]): string {
  if (leftovers.length === 0) return "";
  const list = leftovers.map((w) => `${w.path} (branch ${w.branch})`).join(", ");
  return `\nInterrupted agent worktrees (lanes tasks prune removes them; a branch with commits is kept): ${list}`;
}

/** Removes interrupted worktrees; the branch too unless it holds commits of its own. Returns what it did. */
export async function pruneInterruptedWorktrees(workspace: string, records: TaskRecord[]): Promise<string> {
  const done: string[] = [];
  for (const worktree of interruptedWorktrees(workspace, records)) {
    try {
      const branch = await finishWorktree({ ...worktree, base: "", origin: workspace }, true);
      done.push(branch ? `${worktree.path} (branch ${branch} kept)` : worktree.path);
    } catch {
      // Not a worktree git knows (its repository moved): the folder alone goes.
      rmSync(worktree.path, { recursive: true, force: true });
      done.push(worktree.path);
    }
  }
  return done.length === 0
    ? ""
    : ` Removed ${done.length} interrupted agent worktree(s): ${done.join(", ")}.`;
}
