import type { Writable } from "node:stream";
import type { EndedRecord } from "./task-record.js";

/** Why lanes itself ends a task. */
export type KillReason = "killed" | "shutdown" | "output_cap" | "timeout";

/** How a task ended, as its record will say it: status, code, the signal that ended it, when, and why. */
export type TaskEnd = Pick<EndedRecord, "status" | "exit_code" | "signal" | "end_reason" | "ended_at"> &
  Partial<Pick<EndedRecord, "end_detail">>;

/**
 * One running task, whatever runs it. The runtime only ever talks to this: a new kind of task (a sandboxed
 * command, a remote one) is one new implementation, and the registry, scheduler, watcher and queue stay as
 * they are. Kinds today: spawned-task.ts (our child), adopted-task.ts (left by a crashed lanes),
 * leftover-task.ts (what a foreground command left running).
 */
export interface TaskHandle {
  /** The task's process group, when it has one (what `lanes tasks kill` signals after a crash). */
  readonly pid: number | null;
  /** Resolves once, when the task has ended, with how it ended. */
  readonly exited: Promise<TaskEnd>;
  /** Ends the task (TERM, KILL after the grace period); resolves once it is gone. The first reason is kept. */
  terminate(reason: KillReason): Promise<void>;
  /** Called on each runtime tick: a kind whose end no event reports (not our child) looks for it here. */
  poll(now: number): void;
  /** Where send_background_input writes; null for kinds without an input. */
  readonly stdin: Writable | null;
  /** The task deliberately outlives lanes (persisted): nothing of ours may keep lanes alive or end it. */
  release(): void;
  /** At process exit, with no event loop left: KILL the task's group at once. */
  killNow(): void;
}
