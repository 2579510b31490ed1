import type { OtherTask } from "../lanes/other-tasks.js";
import { isTerminal, type TaskRecord } from "../lanes/task-record.js";
import type { Style } from "../text/style.js";
import { terminalSafe } from "../text/width.js";
import { otherSummaryLine } from "./other-task-text.js";
import { displayCommand, givenDescription, summaryLine } from "./task-text.js";

// Task listings for people: the REPL's /tasks (and the labels of its status line).

/** What a task is called where space is short: the description the model gave, else its command. */
export function taskLabel(record: TaskRecord): string {
  return terminalSafe(givenDescription(record) ?? record.command).replace(/\s+/g, " ");
}

/** `dev server: npm run dev`: the description the model gave before the command, when it gave one. */
export function describedCommand(record: TaskRecord): string {
  const label = taskLabel(record);
  return label === terminalSafe(record.command).replace(/\s+/g, " ")
    ? record.command
    : `${label}: ${record.command}`;
}

/** `/tasks`: this session's tasks, then what another lanes runs in the folder; ended ones dimmed. */
export function replTaskLines(records: TaskRecord[], others: OtherTask[], style: Style): string[] {
  const lines: string[] = [];
  if (records.length === 0) lines.push("No background tasks in this session.");
  for (const record of records) {
    const line = terminalSafe(summaryLine({ ...record, command: describedCommand(record) }));
    lines.push(isTerminal(record.status) ? style.dim(line) : line);
  }
  // What another REPL, `lanes mcp` or a detached `lanes run` runs here: its results go to its own session.
  if (others.length > 0)
    lines.push(style.dim("Other lanes in this folder (their results go to their own session):"));
  for (const task of others) {
    const line = terminalSafe(otherSummaryLine(task, 120));
    lines.push(isTerminal(task.record.status) ? style.dim(line) : line);
  }
  return lines;
}

/**
 * `/tasks kill` or `/tasks logs` without an id: which tasks it could mean (this session's not ended, then
 * another lanes'), so the person picks one instead of reading a usage line.
 */
export function missingIdText(sub: "kill" | "logs", records: TaskRecord[], others: OtherTask[]): string {
  const live = [...records, ...others.map((other) => other.record)].filter((r) => !isTerminal(r.status));
  const named = live.map((record) => `${record.id} (${terminalSafe(displayCommand(record.command, 60))})`);
  if (named.length === 0) return `/tasks ${sub} needs a task id; no task is running (/tasks lists them all).`;
  return `/tasks ${sub} needs a task id: ${named.join(", ")}.`;
}
