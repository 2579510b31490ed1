import { resolve } from "node:path";
import type { LanesConfig } from "../config/config.js";
import type { MainOptions } from "./options.js";
import type { WorkspaceSetupOptions } from "./workspace-setup.js";

// The modules load on demand, as in main.ts: `lanes --version` pays for none of them.

/** The workspace: --cwd as given, else the project around the current folder (see findWorkspaceRoot). */
export async function workspaceOf(
  options: MainOptions,
): Promise<{ root: string; cwd: string; explicit: boolean }> {
  if (options.cwd !== undefined) {
    const root = resolve(options.cwd);
    return { root, cwd: root, explicit: true };
  }
  return {
    ...(await import("../config/workspace-root.js")).findWorkspaceRoot(process.cwd()),
    explicit: false,
  };
}

/** Files (and the workspace's .env, as far as trust allows), then flags: a flag wins over a config file. */
export async function effectiveConfig(
  workspace: string,
  options: MainOptions,
  /** false: the settings only, without loading the workspace's .env (`lanes run`). */
  environment: WorkspaceSetupOptions | false = {},
): Promise<LanesConfig> {
  const setup = await import("./workspace-setup.js");
  const config =
    environment === false
      ? setup.loadSettings(workspace)
      : await setup.prepareWorkspace(workspace, environment);
  if (options.approval !== undefined) config.approval = options.approval;
  if (options.maxTurns !== undefined) config.max_turns = options.maxTurns;
  if (options.maxWait !== undefined) config.max_wait_ms = options.maxWait * 1000;
  if (options.sandbox !== undefined) config.sandbox = options.sandbox;
  for (const [lane, limit] of Object.entries(options.laneLimit ?? {})) {
    if (lane === "default") config.default_lane_limit = limit;
    else config.lanes[lane] = { limit };
  }
  return config;
}
