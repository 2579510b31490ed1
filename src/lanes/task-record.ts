import * as z from "zod";
import { upgradePhase } from "./phase-upgrade.js";
import { END_REASONS, TASK_ORIGINS, upgradeRecord } from "./task-tags.js";

export { END_REASONS, TASK_ORIGINS, type EndReason, type TaskOrigin } from "./task-tags.js";

export const TASK_STATUSES = [
  "queued",
  "running",
  "completed",
  "failed",
  "timed_out",
  "killed",
  "lost",
] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** Statuses after which nothing about the task changes again (except `notified`). */
export const TERMINAL_STATUSES: ReadonlySet<TaskStatus> = new Set([
  "completed",
  "failed",
  "timed_out",
  "killed",
  "lost",
]);

/** Where a remote task runs (a lane with `remote` in the user's config); absent for local tasks. */
export const RemoteTaskSchema = z.object({
  kind: z.enum(["ssh", "slurm"]),
  host: z.string(),
  /** The task's working folder there. */
  dir: z.string(),
  /** `submitting` is written before anything starts there: a lanes finding it looks the id up first. */
  phase: z.enum(["submitting", "started"]),
  job_id: z.string().nullable(),
  /** How long the workspace sync took. */
  sync_ms: z.number().nullable(),
  /** A Slurm job still pending: Slurm's reason (`Priority`, `Resources`); null once it runs. */
  queue_reason: z.string().nullable().optional(),
});
export type RemoteTask = z.infer<typeof RemoteTaskSchema>;

/** Statuses of an ended task: everything but `queued` and `running`. */
export type EndedStatus = Exclude<TaskStatus, "queued" | "running">;
const ENDED_STATUSES = TASK_STATUSES.filter((status): status is EndedStatus => isTerminal(status));

/*
 * A task's phase: the fields whose meaning depends on whether it waits, runs or has ended. A queued task has
 * no start, pid or end; a running one has a start (its pid follows the spawn, write-ahead); an ended one has
 * an end time, and its code, signal and reason where it had them. On disk the record stays flat.
 */
const IDENTITY = {
  id: z.string(),
  /** A shell command, or a background agent (`agent_run`: a lanes worker process). */
  type: z.enum(["local_bash", "local_agent"]),
};

const REQUEST = {
  command: z.string(),
  description: z.string().nullable(),
  /** How it came to be tracked (older records: from the description lanes used to put there). */
  origin: z.enum(TASK_ORIGINS),
  cwd: z.string(),
  lane: z.string(),
};

const NOT_ENDED = {
  ended_at: z.null(),
  exit_code: z.null(),
  signal: z.null(),
  end_reason: z.null(),
  end_detail: z.null().default(null),
};

const ENDED = {
  ended_at: z.string(),
  exit_code: z.number().nullable(),
  signal: z.string().nullable(),
  /** Why the task ended when it was not a plain exit (timeout, kill_background, output cap, shutdown...). */
  end_reason: z.enum(END_REASONS).nullable(),
  /** The end in words, where the code alone does not say it (which signal, the spawn error). */
  end_detail: z.string().nullable().default(null),
};

const KEPT = {
  timeout_ms: z.number().nullable(),
  // Kept so a lanes that adopts the task after a crash re-arms them (older records lack them: null).
  notify_on: z.string().nullable().default(null),
  stall_ms: z.number().nullable().default(null),
  output_file: z.string(),
  exit_file: z.string(),
  output_bytes: z.number(),
  /** Whether the result has been put in front of the model (or handed over by wait_background). */
  notified: z.boolean(),
  /** A persisted task deliberately outlives the session that started it (dev servers). */
  persist: z.boolean(),
  /** The lanes process that owns the task; another lanes finding it running can tell it was adopted. */
  owner_pid: z.number(),
  created_at: z.string(),
  remote: RemoteTaskSchema.optional(),
  /** Only for `local_agent`: where it sits in the tree; its live state is in `.lanes/agents/<id>.json`. */
  agent: z.object({ depth: z.number(), parent: z.string().nullable(), root: z.string() }).optional(),
};

// The fields keep the order lanes writes them in.
const QueuedShape = z.object({
  ...IDENTITY,
  status: z.literal("queued"),
  ...REQUEST,
  pid: z.null(),
  started_at: z.null(),
  ...NOT_ENDED,
  ...KEPT,
});

const RunningShape = z.object({
  ...IDENTITY,
  status: z.literal("running"),
  ...REQUEST,
  /** Null between the write-ahead record and the spawn. */
  pid: z.number().nullable(),
  started_at: z.string(),
  ...NOT_ENDED,
  ...KEPT,
});

const EndedShape = z.object({
  ...IDENTITY,
  status: z.enum(ENDED_STATUSES as [EndedStatus, ...EndedStatus[]]),
  ...REQUEST,
  pid: z.number().nullable(),
  /** Null when it never started (queued when its lanes exited, a spawn error). */
  started_at: z.string().nullable(),
  ...ENDED,
  ...KEPT,
});

/** Records on disk, older ones included (see task-tags.ts and phase-upgrade.ts): parse with this. */
export const TaskRecordSchema = z.preprocess(
  (raw) => upgradePhase(upgradeRecord(raw)),
  z.discriminatedUnion("status", [QueuedShape, RunningShape, EndedShape]),
);

export type QueuedRecord = z.output<typeof QueuedShape>;
export type RunningRecord = z.output<typeof RunningShape>;
export type EndedRecord = z.output<typeof EndedShape>;
export type TaskRecord = QueuedRecord | RunningRecord | EndedRecord;

/** The phase fields of a task that waits for a slot (the next lanes starts it): no start, pid or end. */
export const QUEUED_PHASE = {
  status: "queued",
  pid: null,
  started_at: null,
  ended_at: null,
  exit_code: null,
  signal: null,
  end_reason: null,
  end_detail: null,
} as const satisfies Partial<QueuedRecord>;

/** The record of a task that has ended (its end time and how it ended are set). */
export function isEnded(record: TaskRecord): record is EndedRecord {
  return isTerminal(record.status);
}

export function isTerminal(status: TaskStatus): boolean {
  return TERMINAL_STATUSES.has(status);
}
