import { existsSync, writeFileSync } from "node:fs";
import type { TaskEnd } from "./task-handle.js";
import type { TaskStore } from "./task-store.js";

/** What the record, `lanes tasks` and the model read about a task the user ended from another shell. */
export const USER_KILL_REASON = "killed by the user (lanes tasks kill)";
/** The record's end fields for such a kill: the code, and the words above. */
export const USER_KILL_END = { end_reason: "user_kill", end_detail: USER_KILL_REASON } as const;

/**
 * Leaves the durable mark `lanes tasks kill` writes before it signals: the lanes that owns the task (another
 * REPL, `-p`, `lanes mcp`) reads it when the task ends, so the end is the user's kill and not a crash.
 */
export function requestKill(store: TaskStore, id: string): void {
  writeFileSync(store.paths(id).kill, `${new Date().toISOString()}\n`, { mode: 0o600 });
}

/**
 * The end as the owner records it: a task that ended on its own terms (an exit, a signal lanes did not send)
 * while the user's kill request lies beside its record was killed by the user. Lanes' own ends (a timeout,
 * kill_background, shutdown) keep their first cause.
 */
export function withUserKill(store: TaskStore, id: string, end: TaskEnd): TaskEnd {
  if (end.status === "killed" || end.status === "timed_out") return end;
  if (!killRequested(store, id)) return end;
  return { ...end, status: "killed", ...USER_KILL_END };
}

/** The user asked to kill this task (a queued one is then never started). */
export function killRequested(store: TaskStore, id: string): boolean {
  return existsSync(store.paths(id).kill);
}

/** How a queued task the user killed ends, without ever starting. */
export function killedBeforeStart(): TaskEnd {
  const end = { status: "killed", exit_code: null, signal: null, ...USER_KILL_END } as const;
  return { ...end, ended_at: new Date().toISOString() };
}
