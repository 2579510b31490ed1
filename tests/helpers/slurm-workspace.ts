import { laneWorkspace, type LaneWorkspace } from "./lane-workspace.js";
import type { TestSlurm } from "./slurm.js";

/** A workspace whose user config has a Slurm lane `hpc` on the test cluster (its `dir` shared: the cluster is this machine). */
export type SlurmWorkspace = LaneWorkspace;

export function slurmWorkspace(slurm: TestSlurm, lane: Record<string, unknown> = {}): SlurmWorkspace {
  return laneWorkspace({
    prefix: "lanes-slurm-ws-",
    remoteFolder: "shared",
    lane: "hpc",
    remote: (dir) => ({ type: "slurm", dir, partition: "debug", ...lane }),
    env: slurm.env,
  });
}
