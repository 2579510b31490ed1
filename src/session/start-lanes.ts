import type { LaneManager } from "../lanes/lane-manager.js";
import { pruneExpired } from "../lanes/prune-tasks.js";

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
    const queued =
      restarted.length > 0 ? `, ${restarted.length} queued and never started (starting now)` : "";
    notice(
      `lanes: picked up ${picked} task(s) from an earlier run: ${adopted.length} still running${queued}, ${recovered.recovered.length} ended, ${recovered.lost.length} lost`,
    );
  }
}
