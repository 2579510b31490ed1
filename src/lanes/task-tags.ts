/*
 * The record fields that act as tags, as closed sets: code branches and views compare these, never prose.
 * The words a person reads stay in `description` and `end_detail`.
 */

/** How a task came to be tracked. */
export const TASK_ORIGINS = [
  /** Started by lanes in a lane: background_run, `lanes run`, an MCP client. */
  "spawned",
  /** A foreground bash command still running after its limit (or Ctrl+B), moved into a lane. */
  "moved_from_foreground",
  /** Processes a finished foreground command left running (`cmd &`), adopted as a task. */
  "adopted_leftovers",
] as const;
export type TaskOrigin = (typeof TASK_ORIGINS)[number];

/** Why a task ended when it was not a plain exit. */
export const END_REASONS = [
  "timeout",
  "killed",
  "output_cap",
  "shutdown",
  /** `lanes tasks kill`. */
  "user_kill",
  /** A signal lanes did not send (another shell, the OOM killer). */
  "foreign_signal",
  "spawn_error",
  /** Ended while no lanes was watching; its exit file, if any, gave the code. */
  "unobserved",
  /** Its processes ended where no exit code exists (adopted or left-over groups). */
  "group_ended",
  /** Watched by an adopting lanes after a restart, exit code from its exit file. */
  "adopted",
  /** Queued when its lanes exited. */
  "never_started",
  /** Prose of an older lanes that none of the above names. */
  "other",
] as const;
export type EndReason = (typeof END_REASONS)[number];

/** The description lanes gives a task it took over (the model reads it in check_background). */
export const ORIGIN_LABELS = {
  moved_from_foreground: "moved from foreground bash",
  adopted_leftovers: "left running by a foreground bash (cmd &)",
} as const satisfies Record<Exclude<TaskOrigin, "spawned">, string>;

/** Before `origin` existed those labels were the only tag: records on disk are read by them. */
const ORIGIN_DESCRIPTIONS: Record<string, TaskOrigin> = {
  [ORIGIN_LABELS.moved_from_foreground]: "moved_from_foreground",
  [ORIGIN_LABELS.adopted_leftovers]: "adopted_leftovers",
};

/** Older prose `end_reason` values, by how they start. */
const PROSE_REASONS: [string, EndReason][] = [
  ["killed by the user", "user_kill"],
  ["spawn error:", "spawn_error"],
  ["ended while no lanes was watching", "unobserved"],
  ["its processes ended", "group_ended"],
  ["adopted after a restart", "adopted"],
  ["never started", "never_started"],
];

function reasonOfProse(prose: string): EndReason {
  if (prose.endsWith(" not sent by lanes")) return "foreign_signal";
  return PROSE_REASONS.find(([start]) => prose.startsWith(start))?.[1] ?? "other";
}

/**
 * A record as an older lanes wrote it, in today's shape: `origin` from the description it used as a tag,
 * a prose `end_reason` split into its code and `end_detail`. Anything else passes through untouched.
 */
export function upgradeRecord(raw: unknown): unknown {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return raw;
  const record = { ...(raw as Record<string, unknown>) };
  if (record.origin === undefined) {
    const described =
      typeof record.description === "string" ? ORIGIN_DESCRIPTIONS[record.description] : undefined;
    record.origin = described ?? "spawned";
  }
  const reason = record.end_reason;
  if (typeof reason === "string" && !(END_REASONS as readonly string[]).includes(reason)) {
    record.end_reason = reasonOfProse(reason);
    record.end_detail = reason;
  }
  return record;
}
