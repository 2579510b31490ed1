import { formatDuration } from "../text/preview.js";
import type { TaskRecord } from "./task-record.js";

/**
 * What every view says of a remote task: where it runs, that lanes' sandbox did not travel, and where the
 * files it writes stay. Empty for a local task.
 */
export function remoteLabel(record: Pick<TaskRecord, "lane" | "remote">): string {
  const remote = record.remote;
  if (remote === undefined) return "";
  const queued = remote.queue_reason == null ? "" : ` queued (${remote.queue_reason})`;
  const job = remote.job_id === null ? "" : `, job ${remote.job_id}${queued}`;
  const synced = remote.sync_ms === null ? "" : `, synced in ${formatDuration(remote.sync_ms)}`;
  return `remote: ${record.lane} (not sandboxed by lanes) in ${remote.host}:${remote.dir}${job}${synced}`;
}
