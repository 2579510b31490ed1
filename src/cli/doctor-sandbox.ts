import { homedir } from "node:os";
import type { LanesConfig } from "../config/config.js";
import { describePolicy } from "../sandbox/describe.js";
import { policyFromSettings } from "../sandbox/policy.js";
import { BRIDGE_MISSING, networkBridge, probeSandbox } from "../sandbox/probe.js";
import { startSharedNetwork } from "../sandbox/shared-network.js";

export interface SandboxCheck {
  ok: boolean;
  what: string;
  fix?: string;
}

/**
 * What `lanes doctor` says about the sandbox: the same probe and the same line the first command would get,
 * so a user sees before any task why commands would be refused.
 */
export function sandboxCheck(config: LanesConfig, workspace: string, env: NodeJS.ProcessEnv): SandboxCheck {
  if (config.sandbox === "danger-full-access")
    return { ok: true, what: "sandbox off (danger-full-access): commands run unsandboxed" };
  const policy = policyFromSettings(config, workspace, env);
  const probe = probeSandbox(env, true);
  const problem = probe.ok
    ? Array.isArray(policy.network) && networkBridge(env) === undefined
      ? BRIDGE_MISSING
      : undefined
    : probe.reason;
  if (problem !== undefined)
    return {
      ok: false,
      what: `lanes sandbox: ${problem}`,
      fix: "commands are refused until this is fixed; lanes never runs them unsandboxed on its own",
    };
  const lines = describePolicy(policy, env.HOME ?? homedir());
  if (policy.network !== "on") lines.push(loopbackLine(env));
  return { ok: true, what: lines.join("; ") };
}

function loopbackLine(env: NodeJS.ProcessEnv): string {
  const started = startSharedNetwork(env);
  if ("why" in started)
    return `loopback: one per command, so a server one task starts cannot be reached from another (${started.why})`;
  started.network.close();
  return "loopback: one for the session's commands (a server one task starts answers the next)";
}
