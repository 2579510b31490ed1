import type { LaneManager } from "../lanes/lane-manager.js";
import { pruneExpired } from "../lanes/prune-tasks.js";

/**
 * A session's first look at its workspace's tasks: takes over what an earlier lanes left (saying so on
 * `notice`, counting every end whose result is delivered now), then prunes what `task_retention_days` expired.
 */
export function startLanes(lanes: LaneManager, retentionDays: number, notice: (line: string) => void): void {
  const recovered = lanes.recover();
  void pruneExpired(lanes.store, retentionDays);
  for (const bad of lanes.corruptRecords) {
    notice(`lanes: set aside an unreadable task record (${bad.error}): ${bad.movedTo}`);
  }
  const picked = recovered.adopted.length + recovered.recovered.length + recovered.lost.length;
  if (picked > 0) {
    notice(
      `lanes: picked up ${picked} task(s) from an earlier run: ${recovered.adopted.length} still running, ${recovered.recovered.length} ended, ${recovered.lost.length} lost`,
    );
  }
}
