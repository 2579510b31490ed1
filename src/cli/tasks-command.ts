import { agentTranscript } from "../agents/agent-transcript.js";
import {
  interruptedWorktrees,
  interruptedWorktreesText,
  pruneInterruptedWorktrees,
} from "../agents/leftover-worktrees.js";
import { closeSync, openSync, readSync } from "node:fs";
import { UsageError } from "../config/usage-error.js";
import { describedCommand } from "../present/task-listing.js";
import { statusPhrase, summaryLine } from "../present/task-text.js";
import { pruneTasks } from "../lanes/prune-tasks.js";
import { deriveTasks, isRecordedProcess, type DerivedTask } from "../lanes/reconcile.js";
import { isTerminal, type TaskRecord } from "../lanes/task-record.js";
import { caretStream } from "../text/caret-notation.js";
import { formatBytes } from "../text/preview.js";
import { wrapLine } from "../text/wrap.js";
import { findTask, killStoredTask, listStoredTasks, readStore } from "../lanes/stored-tasks.js";
import { storedKillText } from "../present/stored-kill-text.js";
import { sweepDeadLeftovers } from "../sandbox/dead-leftovers.js";
import { realised } from "../sandbox/own-cache.js";
import { describeRecord } from "../present/describe-record.js";

export function formatTaskList(tasks: DerivedTask[], all: boolean, now = Date.now()): string {
  if (tasks.length === 0)
    return all ? "No background tasks." : "No running tasks (use --all for finished ones).";
  return tasks
    .map(({ record, owner }) =>
      // Led by the model's description, as /tasks and the REPL's task lines are.
      summaryLine(
        { ...record, command: describedCommand(record) },
        now,
        owner === "gone",
        undefined,
        startedText(record, now),
      ),
    )
    .join("\n");
}

/** When a task started (a queued one: since when it waits), in local time; the date when not today. */
export function startedText(record: TaskRecord, now: number): string {
  const at = new Date(record.started_at ?? record.created_at);
  const two = (n: number): string => String(n).padStart(2, "0");
  const time = `${two(at.getHours())}:${two(at.getMinutes())}:${two(at.getSeconds())}`;
  const today = at.toDateString() === new Date(now).toDateString();
  const day = `${at.getFullYear()}-${two(at.getMonth() + 1)}-${two(at.getDate())} `;
  return `${record.started_at === null ? "queued" : "started"} ${today ? "" : day}${time}`;
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `--older-than 7d`: a number and a unit (s, m, h, d, w). */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([smhdw])$/i.exec(text.trim());
  if (!match)
    throw new UsageError(`--older-than: expected a duration like 30m, 12h, 7d or 2w, got "${text}"`);
  return Number(match[1]) * (UNIT_MS[(match[2] ?? "").toLowerCase()] ?? 0);
}

/**
 * `lanes tasks prune [--older-than D | --all]`: removes ended tasks (their record, log, exit file); without
 * a scope, those older than `task_retention_days`. Says what it removed and what it kept, and why.
 */
export async function pruneCommand(
  workspace: string,
  options: { all?: boolean | undefined; olderThan?: string | undefined },
  retentionDays: number,
): Promise<string> {
  if (options.all && options.olderThan !== undefined)
    throw new UsageError("lanes tasks prune: give --all or --older-than, not both");
  const olderThanMs =
    options.olderThan === undefined ? retentionDays * 86_400_000 : parseDuration(options.olderThan);
  const scope = options.all ? ({ all: true } as const) : ({ all: false, olderThanMs } as const);
  const result = await pruneTasks(readStore(workspace), scope, process.pid);
  const age = options.olderThan?.trim() ?? `${retentionDays} days (task_retention_days)`;
  const which = options.all ? "ended tasks" : `tasks that ended more than ${age} ago`;
  const removed =
    result.removed.length === 0
      ? `No ${which} to remove.`
      : `Removed ${result.removed.length} ${which}: ${formatBytes(result.bytes)} freed.`;
  const kept =
    result.undelivered.length === 0
      ? ""
      : ` Kept ${result.undelivered.length} whose result no session has read yet (${result.undelivered.join(", ")}): the next lanes here delivers it.`;
  const records = (await listStoredTasks(workspace, true, process.pid)).map((task) => task.record);
  return removed + kept + (await pruneInterruptedWorktrees(workspace, records));
}

/**
 * `lanes tasks [--all]`: the tasks, then the worktrees of interrupted agents, if any. On a terminal of
 * `columns`, long rows wrap at spaces and hang under the text after the id (a pipe gets one row a task).
 */
export async function tasksListing(workspace: string, all: boolean, columns?: number): Promise<string> {
  await tidyMountPoints(workspace, 0);
  const records = (await listStoredTasks(workspace, true, process.pid)).map((task) => task.record);
  const worktrees = interruptedWorktreesText(interruptedWorktrees(workspace, records));
  const listing = formatTaskList(await listStoredTasks(workspace, all, process.pid), all) + worktrees;
  if (columns === undefined) return listing;
  // One cell short of the edge, as the REPL wraps: a full row would leave the cursor hanging at the margin.
  return listing
    .split("\n")
    .flatMap((line) => wrapLine(line, Math.max(1, columns - 1)))
    .join("\n");
}

/**
 * Whether a followed log can still grow: its record says running and its process still carries the task's
 * marker. An unreadable record, or one a crashed lanes left "running" over a dead process, ends the follow.
 */
function stillWritten(workspace: string, id: string): boolean {
  const current = readStore(workspace).find(id);
  if (!current) return false;
  const [derived] = deriveTasks([current], process.pid);
  if (!derived || isTerminal(derived.record.status)) return false;
  // Queued, or running under a live lanes that has not written its end yet: its own pid tells.
  return current.pid === null || derived.owner === "gone" || isRecordedProcess(current);
}

const CHUNK_BYTES = 1024 * 1024;

/** Writes the file's bytes from `offset` to its current end, a chunk at a time; returns the new offset. */
function copyFrom(file: string, offset: number, write: (chunk: Uint8Array) => void): number {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch {
    return offset; // not created yet
  }
  try {
    const buffer = Buffer.alloc(CHUNK_BYTES);
    for (;;) {
      const read = readSync(fd, buffer, 0, CHUNK_BYTES, offset);
      if (read === 0) return offset;
      write(Buffer.from(buffer.subarray(0, read)));
      offset += read;
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * `lanes tasks logs ID [-f]` and attached `lanes run`: the whole log, byte for byte, then (with follow) new
 * bytes as they come until the task ends. `id` may be a unique prefix (findTask).
 */
export async function showLogs(
  workspace: string,
  id: string,
  follow: boolean,
  write: (chunk: Uint8Array) => void,
): Promise<void> {
  const { record } = await findTask(workspace, id, process.pid);
  if (record.type === "local_agent") return showAgentLog(record, write);
  let offset = copyFrom(record.output_file, 0, write);
  if (!follow) return;
  await new Promise<void>((resolve) => {
    const poll = (): void => {
      offset = copyFrom(record.output_file, offset, write);
      if (stillWritten(workspace, record.id)) return;
      // Ended: what it wrote between the copy and the check is still to come.
      copyFrom(record.output_file, offset, write);
      clearInterval(timer);
      resolve();
    };
    const timer = setInterval(poll, 100);
    poll();
  });
}

/**
 * `lanes tasks logs` to stdout: byte for byte into a pipe or a file; on a terminal in caret notation, so a
 * task's escape sequences cannot retitle, clear or redraw the user's terminal.
 */
export async function printLogs(
  workspace: string,
  id: string,
  follow: boolean,
  out: NodeJS.WriteStream,
): Promise<void> {
  if (!out.isTTY) return showLogs(workspace, id, follow, (chunk) => void out.write(chunk));
  // Given shortened, it is named whole in what is said about it.
  id = (await findTask(workspace, id, process.pid)).record.id;
  const screen = caretStream((text) => void out.write(text));
  let printed = false;
  await showLogs(workspace, id, follow, (chunk) => {
    printed ||= chunk.length > 0;
    screen.write(chunk);
  });
  screen.end();
  // A person at a terminal gets a word for an empty log; a pipe gets the log's bytes, none.
  if (!printed) process.stderr.write(`(task ${id} printed no output)\n`);
  // A follow that stopped says why: the task ended, and how (its lanes may take a moment to record it).
  const ended = follow ? await recordedEnd(workspace, id) : undefined;
  if (ended) process.stderr.write(`(task ${id} ended: ${statusPhrase(ended)})\n`);
}

/**
 * The task's end once it is recorded: by its lanes, or derived from its exit file when that lanes is gone
 * (reconcile). Waits up to 2 s for a live lanes to write it; undefined for an agent, whose log is not followed.
 */
async function recordedEnd(workspace: string, id: string): Promise<TaskRecord | undefined> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const { record } = await findTask(workspace, id, process.pid);
    if (record.type === "local_agent") return undefined;
    if (isTerminal(record.status)) return record;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return undefined;
}

/** `lanes tasks show ID`: the task's record, a field a line, as check_background shows it to the model. */
export async function showTaskText(workspace: string, id: string): Promise<string> {
  const { record, owner } = await findTask(workspace, id, process.pid);
  const whose = owner === "gone" && !isTerminal(record.status) ? "none (its lanes exited)" : undefined;
  return describeRecord(workspace, record, { owner: whose });
}

/**
 * After `lanes tasks kill` (and at a listing): the empty mount points (`.vscode/`, `.env`, `.mcp.json`...) that
 * lanes made for a detached or persisted task whose lanes has exited go once nothing has them mounted. A just
 * killed task's sandbox ends a moment after its processes: `waitMs` looks again until then.
 */
export async function tidyMountPoints(workspace: string, waitMs: number): Promise<void> {
  await sweepDeadLeftovers({ waitMs, waitFor: realised(workspace) });
}

/** `lanes tasks kill ID`: ends the task, and says what happened. */
export async function killTaskText(workspace: string, id: string, graceMs: number): Promise<string> {
  return storedKillText(await killStoredTask(workspace, id, graceMs, process.pid));
}

export { listStoredTasks };

/** An agent's log is its conversation so far, then its report once it ended. */
function showAgentLog(record: TaskRecord, write: (chunk: Uint8Array) => void): void {
  const transcript = agentTranscript(record) ?? "";
  write(new TextEncoder().encode(transcript || `(agent ${record.id} has no transcript yet)\n`));
  copyFrom(record.output_file, 0, write);
}
