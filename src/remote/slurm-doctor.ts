import type { SlurmRemoteConfig } from "../config/remote-settings.js";
import { RemoteError } from "./remote-error.js";
import { checkSlurm, slurmDir, slurmWhere } from "./slurm-lane.js";
import { runWhere } from "./slurm-run.js";

export interface SlurmCheck {
  ok: boolean;
  what: string;
  fix?: string;
}

/** One Slurm lane: sbatch there, `dir` writable, the controller answers, the partition exists, proctrack. */
export async function slurmChecks(
  name: string,
  config: SlurmRemoteConfig,
  env: NodeJS.ProcessEnv,
): Promise<SlurmCheck[]> {
  const where = slurmWhere(name, config, env);
  const label = `remote lane ${name} (Slurm, ${where.host}:${config.dir})`;
  try {
    await checkSlurm(where, slurmDir(config, env));
    const shown = await runWhere(where, ["scontrol", "show", "config"]);
    if (shown.code !== 0)
      throw new RemoteError(
        name,
        where.host,
        "slurm refused",
        shown.stderr.trim() || "scontrol did not answer",
      );
    const proctrack = /^ProctrackType\s*=\s*(\S+)/m.exec(shown.stdout.toString("utf8"))?.[1] ?? "unknown";
    if (config.partition !== undefined) {
      const partition = await runWhere(where, ["sinfo", "-h", "-p", config.partition, "-o", "%P"]);
      if (partition.stdout.toString("utf8").trim() === "")
        throw new RemoteError(
          name,
          where.host,
          "unknown partition",
          `partition "${config.partition}" does not exist`,
        );
    }
    const checks: SlurmCheck[] = [
      { ok: true, what: `${label}: sbatch present, dir writable, Slurm answers (${proctrack})` },
    ];
    if (proctrack === "proctrack/linuxproc")
      checks.push({
        ok: false,
        what: `${label}: ProctrackType=proctrack/linuxproc: scancel can miss processes that left the job's tree`,
        fix: "ask the cluster's admin for proctrack/cgroup",
      });
    return checks;
  } catch (error) {
    if (!(error instanceof RemoteError)) throw error;
    return [{ ok: false, what: error.message }];
  }
}
