import type { Pattern } from "../patterns/pattern.js";
import type { OutputMirror } from "../process/output-mirror.js";
import type { LaunchWrapper } from "../process/launch-wrapper.js";
import type { Notification } from "./notification-queue.js";
import type { OtherTask } from "./other-tasks.js";
import type { RemoteRuntime } from "./remote-runtime.js";
import type { SlotOwner } from "./slot-claims.js";
import type { TaskOrigin, TaskRecord } from "./task-record.js";

export interface LaneManagerOptions {
  workspace: string;
  /** Default `<workspace>/.lanes`. */
  lanesDir?: string | undefined;
  /** Make `.lanes/` only when the first task starts (lanes mcp: nothing appears where it was merely started). */
  createOnFirstTask?: boolean | undefined;
  /** Environment for tasks (the caller strips secrets). LANES_TASK_ID is added per task. */
  env: NodeJS.ProcessEnv;
  laneLimits?: Record<string, number> | undefined;
  defaultLaneLimit?: number | undefined;
  killGraceMs?: number | undefined;
  outputCapBytes?: number | undefined;
  /** Default silence before a stall notice; 0 disables. */
  stallMs?: number | undefined;
  tickMs?: number | undefined;
  /** The OS sandbox every command starts in; absent: commands run as lanes does (danger-full-access). */
  sandbox?: LaunchWrapper | undefined;
  /** Lanes that run on an SSH host or Slurm (the user's config); absent: every lane is local. */
  remote?: RemoteRuntime | undefined;
  /** The pid recorded as its tasks' and claims' owner (the CLI passes its own; two runtimes here differ). */
  ownerPid: number;
  /** Tasks that are not persisted end when this lanes dies, even by SIGKILL (see owner-watch.ts); default false. */
  endWithOwner?: boolean | undefined;
}

export interface StartTaskRequest {
  /** An id taken with reserveId() (an agent's worktree and spec are named after it before it starts). */
  id?: string | undefined;
  command: string;
  description?: string | undefined;
  timeoutMs?: number | undefined;
  lane?: string | undefined;
  /** A regex: one extra notification when a line first matches. */
  notifyOn?: Pattern | undefined;
  stallMs?: number | undefined;
  persist?: boolean | undefined;
  /** `false`: run this one command outside the OS sandbox (an escalation the user approved). */
  sandbox?: false | undefined;
  /** An attached command (`lanes run`): its output is also shown on these streams, stdout and stderr apart. */
  mirror?: OutputMirror | undefined;
  /** How it came to be tracked; default "spawned". */
  origin?: TaskOrigin | undefined;
  /** An attached command reads lanes' own stdin (the terminal, or what is piped in) instead of a pipe. */
  inheritStdin?: boolean | undefined;
  /** A background agent's worker: its record says so, and it gets this environment (its API key). */
  agent?: { depth: number; parent: string | null; root: string; env: NodeJS.ProcessEnv } | undefined;
}

export type LaneEvent =
  | { type: "task-queued"; record: TaskRecord }
  | { type: "task-start"; record: TaskRecord }
  | { type: "task-end"; record: TaskRecord }
  | { type: "notification"; notification: Notification };

/** Why a queued task waits: its lane is at its limit, and these tasks hold the slots. */
export interface LaneWait {
  lane: string;
  limit: number;
  holders: { taskId: string; owner: SlotOwner; record?: TaskRecord }[];
}

export interface WaitResult {
  ended: TaskRecord[];
  running: TaskRecord[];
  timedOut: boolean;
  /** Waited-for tasks of another lanes (their records are also in ended/running): not delivered here. */
  others: OtherTask[];
}

export const DEFAULT_LANE_LIMIT = 8;
export const DEFAULT_OUTPUT_CAP_BYTES = 1024 ** 3;
export const DEFAULT_STALL_MS = 45_000;
