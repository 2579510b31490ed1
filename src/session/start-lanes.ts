import type { LaneManager } from "../lanes/lane-manager.js";
import { pruneExpired } from "../lanes/prune-tasks.js";
import { count } from "../text/count.js";

/**
 * A session's first look at its workspace's tasks: takes over what an earlier lanes left (saying so on
 * `notice`, counting every end whose result is delivered now), then prunes what `task_retention_days` expired.
 */
export function startLanes(lanes: LaneManager, retentionDays: number, notice: (line: string) => void): void {
  const recovered = lanes.recover();
  void pruneExpired(lanes.store, retentionDays, lanes.ownerPid);
  for (const bad of lanes.corruptRecords) {
    notice(`lanes: set aside an unreadable task record (${bad.error}): ${bad.movedTo}`);
  }
  const { adopted, restarted } = recovered;
  const picked = adopted.length + restarted.length + recovered.recovered.length + recovered.lost.length;
  if (picked > 0) {
    // Only the parts that hold something: "1 ended", not "0 still running, 1 ended, 0 lost".
    const parts = [
      adopted.length > 0 ? `${adopted.length} still running` : "",
      restarted.length > 0 ? `${restarted.length} queued and never started (starting now)` : "",
      recovered.recovered.length > 0 ? `${recovered.recovered.length} ended` : "",
      recovered.lost.length > 0 ? `${recovered.lost.length} lost` : "",
    ].filter((part) => part !== "");
    notice(`lanes: picked up ${count(picked, "task")} from an earlier run: ${parts.join(", ")}`);
  }
}
