import * as z from "zod";
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

const TaskRecordShape = z.object({
  id: z.string(),
  /** A shell command, or a background agent (`agent_run`: a lanes worker process). */
  type: z.enum(["local_bash", "local_agent"]),
  status: z.enum(TASK_STATUSES),
  command: z.string(),
  description: z.string().nullable(),
  /** How it came to be tracked (older records: from the description lanes used to put there). */
  origin: z.enum(TASK_ORIGINS),
  cwd: z.string(),
  lane: z.string(),
  pid: z.number().nullable(),
  started_at: z.string().nullable(),
  ended_at: z.string().nullable(),
  exit_code: z.number().nullable(),
  signal: z.string().nullable(),
  /** Why the task ended when it was not a plain exit (timeout, kill_background, output cap, shutdown...). */
  end_reason: z.enum(END_REASONS).nullable(),
  /** The end in words, where the code alone does not say it (which signal, the spawn error). */
  end_detail: z.string().nullable().default(null),
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
});

/** Records on disk, older ones included (see task-tags.ts): parse with this. */
export const TaskRecordSchema = z.preprocess(upgradeRecord, TaskRecordShape);

export type TaskRecord = z.output<typeof TaskRecordShape>;

export function isTerminal(status: TaskStatus): boolean {
  return TERMINAL_STATUSES.has(status);
}
