/*
 * Records an older lanes (or a hand edit) left with a phase that does not hold together, made whole so they
 * load as before: the union in task-record.ts would otherwise call them corrupt.
 */

const RUN_AND_END = ["pid", "started_at", "ended_at", "exit_code", "signal", "end_reason", "end_detail"];
const END = ["ended_at", "exit_code", "signal", "end_reason", "end_detail"];

/** A queued task has no start or end, a running one a start and no end, an ended one an end time. */
export function upgradePhase(raw: unknown): unknown {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return raw;
  const record = { ...(raw as Record<string, unknown>) };
  const known = (key: string): string | undefined =>
    typeof record[key] === "string" ? (record[key] as string) : undefined;
  if (record.status === "queued") for (const key of RUN_AND_END) record[key] = null;
  else if (record.status === "running") {
    for (const key of END) record[key] = null;
    record.started_at ??= known("created_at");
  } else if (typeof record.status === "string")
    record.ended_at ??= known("started_at") ?? known("created_at");
  return record;
}
