import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { agentsDir, type AgentState } from "../lanes/agent-state.js";

/** Characters of the final answer the parent reads; the whole answer is in the result file. */
export const FINAL_TEXT_CHARS = 4000;

/** The whole final answer, in `.lanes/agents/ID.result.md`; returns the file. */
export function saveResult(stateDir: string, id: string, text: string): string {
  const file = join(agentsDir(stateDir), `${id}.result.md`);
  writeFileSync(file, text, { mode: 0o600 });
  return file;
}

/**
 * What the worker prints last, which is what its parent reads (the task's log): the answer bounded, and one
 * line saying how it ended, with the limit reached or the branch kept.
 */
export function reportText(state: AgentState, text: string, resultFile: string): string {
  const answer =
    text.length <= FINAL_TEXT_CHARS
      ? text
      : `${text.slice(0, FINAL_TEXT_CHARS)}\n… [${text.length - FINAL_TEXT_CHARS} more characters; the whole answer is in ${resultFile}]`;
  const parts: string[] = [state.phase];
  if (state.budget) parts.push(`${state.budget.limit} ${state.budget.max} reached`);
  if (state.branch) parts.push(`changes on branch ${state.branch} (worktree ${state.worktree})`);
  else if (state.worktree) parts.push("its worktree had no changes and was removed");
  return `${answer.trim() || "(no answer)"}\n[agent ${state.id}: ${parts.join("; ")}]`;
}
