import { homedir } from "node:os";
import { childEnv } from "../config/child-env.js";
import { timeLimitMs, type SlurmRemoteConfig } from "../config/remote-settings.js";
import { RemoteError } from "./remote-error.js";
import type { ConnectionShare } from "./ssh-connection-share.js";
import { sshTransport } from "./ssh-transport.js";
import { remoteBase } from "./supervisor-call.js";
import { runShell, type SlurmWhere } from "./slurm-run.js";

/** One Slurm lane as its tasks use it. */
export interface SlurmLane {
  lane: string;
  where: SlurmWhere;
  partition: string | undefined;
  /** `--time` when a task gives no timeout_ms. */
  deadlineMs: number;
  workspace: string;
  workspaceKey: string;
  hidden: readonly string[];
  /** Once per lanes: `dir` made and writable, sbatch answers; resolves with `dir` as an absolute path. */
  prepare(): Promise<string>;
}

const CHECK = [
  'command -v sbatch >/dev/null 2>&1 || { echo "missing sbatch"; exit 0; }',
  'mkdir -p "$1/.lanes-tasks" 2>/dev/null && [ -w "$1" ] || { echo "dir-not-writable $1"; exit 0; }',
  'cd "$1" && echo "ok $(pwd)"',
].join("\n");

/** Checks the lane's Slurm side (sbatch there, `dir` writable); resolves with `dir`'s absolute path. */
export async function checkSlurm(where: SlurmWhere, dir: string): Promise<string> {
  const answer = (await runShell(where, CHECK, [dir])).stdout.toString("utf8").trim().split("\n").pop() ?? "";
  if (answer.startsWith("missing "))
    throw new RemoteError(
      where.lane,
      where.host,
      "missing program",
      "sbatch is not installed (slurm-client)",
    );
  if (answer.startsWith("dir-not-writable"))
    throw new RemoteError(where.lane, where.host, "dir not writable", `${dir} is not writable`);
  if (!answer.startsWith("ok /"))
    throw new RemoteError(where.lane, where.host, "start failed", answer || "the check did not answer");
  return answer.slice(3);
}

export function slurmWhere(
  name: string,
  config: SlurmRemoteConfig,
  env: NodeJS.ProcessEnv,
  share?: ConnectionShare,
): SlurmWhere {
  const transport = config.ssh === undefined ? undefined : sshTransport(name, config.ssh, env, share);
  // Jobs inherit sbatch's environment: the user's, without what looks like a credential.
  const clean = childEnv(env, { passSecrets: false });
  return { lane: name, host: transport?.host ?? "local", transport, env: clean };
}

/** The `dir` as the Slurm side reads it: `~/` is the home there (ssh) or here. */
export function slurmDir(config: SlurmRemoteConfig, env: NodeJS.ProcessEnv): string {
  if (config.ssh !== undefined) return remoteBase(config.dir);
  const home = env.HOME ?? homedir();
  return config.dir === "~" || config.dir.startsWith("~/") ? `${home}${config.dir.slice(1)}` : config.dir;
}

export function slurmLane(
  name: string,
  config: SlurmRemoteConfig,
  options: {
    workspace: string;
    workspaceKey: string;
    env: NodeJS.ProcessEnv;
    hidden: readonly string[];
    share?: ConnectionShare | undefined;
  },
): SlurmLane {
  const where = slurmWhere(name, config, options.env, options.share);
  let prepared: Promise<string> | undefined;
  return {
    lane: name,
    where,
    partition: config.partition,
    deadlineMs: timeLimitMs(config.time_limit),
    workspace: options.workspace,
    workspaceKey: options.workspaceKey,
    hidden: options.hidden,
    prepare: () => {
      // A failed check is asked again by the next task: the cluster may be back.
      prepared ??= checkSlurm(where, slurmDir(config, options.env)).catch((error: unknown) => {
        prepared = undefined;
        throw error;
      });
      return prepared;
    },
  };
}
