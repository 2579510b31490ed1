import { z } from "zod";

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

export const TaskRecordSchema = z.object({
  id: z.string(),
  /** A shell command, or a background agent (`agent_run`: a lanes worker process). */
  type: z.enum(["local_bash", "local_agent"]),
  status: z.enum(TASK_STATUSES),
  command: z.string(),
  description: z.string().nullable(),
  cwd: z.string(),
  lane: z.string(),
  pid: z.number().nullable(),
  started_at: z.string().nullable(),
  ended_at: z.string().nullable(),
  exit_code: z.number().nullable(),
  signal: z.string().nullable(),
  /** Why the task ended when it was not a plain exit (timeout, kill_background, output cap, shutdown...). */
  end_reason: z.string().nullable(),
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
  /** Only for `local_agent`: where it sits in the tree; its live state is in `.lanes/agents/<id>.json`. */
  agent: z.object({ depth: z.number(), parent: z.string().nullable(), root: z.string() }).optional(),
});

export type TaskRecord = z.infer<typeof TaskRecordSchema>;

export function isTerminal(status: TaskStatus): boolean {
  return TERMINAL_STATUSES.has(status);
}
