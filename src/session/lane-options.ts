import { join } from "node:path";
import { childEnv } from "../config/child-env.js";
import type { LanesConfig } from "../config/config.js";
import type { LaneManagerOptions } from "../lanes/lane-manager.js";
import { createRemoteLanes } from "../remote/remote-lanes.js";
import { createSandbox } from "../sandbox/create.js";
import { policyFromSettings } from "../sandbox/policy.js";

/**
 * The lane manager settings a session uses, from the configuration: limits, grace, caps, no secrets, and
 * the OS sandbox every command starts in (set up on the first command, not here). `notice` gets the
 * sandbox's one-time lines (cannot start, no shared loopback).
 */
export function laneManagerOptions(
  workspace: string,
  config: LanesConfig,
  env: NodeJS.ProcessEnv,
  notice: (line: string) => void,
  ownerPid: number,
): LaneManagerOptions {
  return {
    workspace,
    ownerPid,
    env: childEnv(env, { passSecrets: config.pass_secrets_to_commands, keep: config.pass_env_to_commands }),
    laneLimits: Object.fromEntries(
      Object.entries(config.lanes).flatMap(([name, lane]) =>
        // Slurm queues its own jobs: lanes' limit does not queue in front of it unless the user sets one.
        lane.limit === undefined
          ? lane.remote?.type === "slurm"
            ? [[name, 1000]]
            : []
          : [[name, lane.limit]],
      ),
    ),
    defaultLaneLimit: config.default_lane_limit,
    outputCapBytes: config.output_cap_bytes,
    stallMs: config.stall_ms,
    killGraceMs: config.kill_grace_ms,
    sandbox: createSandbox(config, {
      workspace,
      lanesDir: join(workspace, ".lanes"),
      env,
      onUnavailable: notice,
      onNotice: notice,
    }),
    remote: createRemoteLanes({
      workspace,
      lanes: config.lanes,
      env,
      hidden: policyFromSettings(config, workspace, env).denyRead,
      killGraceMs: config.kill_grace_ms,
    }),
  };
}
