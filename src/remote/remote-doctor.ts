import { spawnSync } from "node:child_process";
import type { RemoteConfig } from "../config/remote-settings.js";
import { RemoteError } from "./remote-error.js";
import { checkHost, sshLane } from "./remote-lanes.js";
import { slurmChecks } from "./slurm-doctor.js";

export interface RemoteCheck {
  ok: boolean;
  what: string;
  fix?: string;
}

const FIXES: Partial<Record<RemoteError["failure"], string>> = {
  unreachable: "check the host name, port and network (ssh HOST true)",
  "key refused": "add your public key to the host's authorized_keys, or set identity_file",
  "unknown host key": "connect once with ssh to check and add its key, or set known_hosts_file",
  "dir not writable": "pick a `dir` you can write on the host",
  "missing program": "install rsync (and coreutils' timeout, util-linux' setsid) there and here",
};

/** One line per remote lane: reachable, key accepted, `dir` writable, rsync there (one ssh call each). */
export async function remoteChecks(
  lanes: Record<string, { remote?: RemoteConfig | undefined }>,
  workspace: string,
  env: NodeJS.ProcessEnv,
): Promise<RemoteCheck[]> {
  const checks: RemoteCheck[] = [];
  const remotes = Object.entries(lanes).flatMap(([name, lane]) =>
    lane.remote ? [[name, lane.remote] as const] : [],
  );
  if (remotes.length > 0 && spawnSync("rsync", ["--version"], { stdio: "ignore" }).status !== 0)
    checks.push({
      ok: false,
      what: "rsync is not installed here (remote lanes sync with it)",
      fix: "install rsync",
    });
  for (const [name, remote] of remotes) {
    if (remote.type === "slurm") {
      checks.push(...(await slurmChecks(name, remote, env)));
      continue;
    }
    const lane = sshLane(name, remote, { workspace, lanes, env, hidden: [], killGraceMs: 0 });
    try {
      await checkHost(lane);
      const where = `${remote.host}:${remote.dir}`;
      checks.push({
        ok: true,
        what: `remote lane ${name} (${where}): reachable, key accepted, dir writable, rsync present`,
      });
    } catch (error) {
      if (!(error instanceof RemoteError)) throw error;
      checks.push({
        ok: false,
        what: error.message,
        ...(FIXES[error.failure] ? { fix: FIXES[error.failure] } : {}),
      });
    }
  }
  return checks;
}
