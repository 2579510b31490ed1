import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import dotenv from "dotenv";

/**
 * Variables a workspace's `.env` may set only when the user trusts the workspace: where the API key is
 * sent (a base URL or a proxy), credentials, and where lanes reads the user's own config from.
 */
export function needsTrust(name: string): boolean {
  return (
    /KEY|SECRET|TOKEN|PASSWORD|CREDENTIAL/i.test(name) ||
    /_BASE_URL$|(^|_)PROXY$/i.test(name) ||
    name === "HOME" ||
    name.startsWith("XDG_")
  );
}

/** Variables that would point ssh, rsync or Slurm somewhere: a workspace's `.env` never sets them. */
export function remoteVariable(name: string): boolean {
  return /^(SSH_|RSYNC_|SLURM_|SBATCH_|SQUEUE_|SCONTROL_|SCANCEL_|LANES_REMOTE)/.test(name);
}

export interface WorkspaceEnvResult {
  /** The .env file, when there is one. */
  file?: string;
  /** Names set from it. */
  loaded: string[];
  /** Names it sets that were left out because the workspace is not trusted (the shell did not set them). */
  held: string[];
  /** Names it sets that could add or redirect a remote: never loaded, trusted or not. */
  refused?: string[];
}

/**
 * Loads `<workspace>/.env` without overriding variables already set (the shell wins). Unless the
 * workspace is trusted, the names `needsTrust` lists are left out: a cloned repository must not be able
 * to send the user's key to its own server.
 */
export function loadWorkspaceEnv(
  workspace: string,
  trusted: boolean,
  env: NodeJS.ProcessEnv,
): WorkspaceEnvResult {
  const file = join(workspace, ".env");
  // A folder there is the sandbox's mount point holding a missing .env (left by a killed lanes, or in place
  // while another lanes' command runs): there is no .env to load.
  if (statSync(file, { throwIfNoEntry: false })?.isFile() !== true) return { loaded: [], held: [] };
  const parsed = dotenv.parse(readFileSync(file));
  const result: WorkspaceEnvResult = { file, loaded: [], held: [] };
  for (const [name, value] of Object.entries(parsed)) {
    if (Object.prototype.hasOwnProperty.call(env, name)) continue;
    if (remoteVariable(name)) {
      (result.refused ??= []).push(name);
      continue;
    }
    if (!trusted && needsTrust(name)) {
      result.held.push(name);
      continue;
    }
    env[name] = value;
    result.loaded.push(name);
  }
  return result;
}
