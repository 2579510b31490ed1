import { findPerl } from "../process/own-group-launch.js";
import { spawnSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import { forgetProbe, probedOk, rememberProbeOk } from "./probe-cache.js";

export type ProbeResult = { ok: true; bwrap: string } | { ok: false; reason: string };

const WITHOUT = "or run without it: --sandbox danger-full-access";

/** A program on PATH, or undefined. */
export function findProgram(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? "/usr/bin:/bin").split(delimiter)) {
    if (dir === "") continue;
    const path = join(dir, name);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** bwrap's own complaint, turned into what is wrong here and how to fix it. */
export function explainBwrapFailure(stderr: string): string {
  const text = stderr.trim().split("\n").at(-1) ?? "";
  if (/proc/i.test(text) && /mount/i.test(text))
    return `the sandbox cannot mount /proc (a nested or unprivileged container: ${text}); run the container with --privileged or --security-opt systempaths=unconfined, ${WITHOUT}`;
  if (/namespace|uid map|permission|not permitted/i.test(text))
    return `user namespaces are refused here (${text}); allow them (sysctl kernel.unprivileged_userns_clone=1, or kernel.apparmor_restrict_unprivileged_userns=0; in a container --security-opt seccomp=unconfined), ${WITHOUT}`;
  return `bubblewrap failed: ${text || "no message"}; ${WITHOUT}`;
}

let cached: ProbeResult | undefined;
/** Where a worker finds its parent's answer, which may come after the worker started (agent-probe.ts). */
let handedDown: ((mayWait: boolean) => ProbeResult | undefined) | undefined;

/**
 * Whether the sandbox can start here: bwrap exists and can make the namespaces every command gets. Run
 * once per process, on the first sandboxed command (never at start-up); a success is kept for the boot
 * (probe-cache.ts). `fresh`: bwrap is run whatever was kept (`lanes doctor`). Linux only.
 */
export function probeSandbox(env: NodeJS.ProcessEnv, fresh = false): ProbeResult {
  if (!fresh) cached ??= handedDown?.(true);
  if (cached && !fresh) return cached;
  const plan = probePlan(env, fresh);
  if (!("args" in plan)) return (cached = plan);
  const run = spawnSync(plan.bwrap, plan.args, { encoding: "utf8", timeout: 10_000 });
  cached = probeOutcome(plan.bwrap, run, env);
  return cached;
}

/** The answer when this process has one already, without probing. */
export function knownProbe(): ProbeResult | undefined {
  cached ??= handedDown?.(false);
  return cached;
}

/** Takes the answer a parent lanes already had (an agent's spec): a worker need not spawn bwrap to ask again. */
export function adoptProbe(result: ProbeResult): void {
  cached ??= result;
}

/** Asked before probing: the parent's answer if it came (undefined: probe); `mayWait` for it a moment. */
export function adoptProbeLater(answer: (mayWait: boolean) => ProbeResult | undefined): void {
  handedDown = answer;
}

/** The bwrap run that answers, or the answer itself when there is nothing to run (or it is kept). */
export function probePlan(
  env: NodeJS.ProcessEnv,
  fresh = false,
): { bwrap: string; args: string[] } | ProbeResult {
  if (process.platform !== "linux")
    return {
      ok: false,
      reason: `the sandbox is Linux-only for now (bubblewrap); on ${process.platform} ${WITHOUT}`,
    };
  const bwrap = findProgram("bwrap", env);
  if (bwrap === undefined)
    return {
      ok: false,
      reason: `bubblewrap (bwrap) is not installed; install it (apt-get install bubblewrap, dnf install bubblewrap), ${WITHOUT}`,
    };
  if (!fresh && probedOk(env, bwrap)) return { ok: true, bwrap };
  const args = ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--unshare-pid", "--unshare-net"];
  return { bwrap, args: [...args, "--cap-drop", "ALL", "--", "/bin/true"] };
}

/** What a finished probe run says; a success is kept for the next lanes of this boot, a failure drops it. */
export function probeOutcome(
  bwrap: string,
  run: { error?: Error | undefined; status: number | null; stderr: string },
  env: NodeJS.ProcessEnv,
): ProbeResult {
  const result: ProbeResult = run.error
    ? { ok: false, reason: `bubblewrap did not run: ${run.error.message}; ${WITHOUT}` }
    : run.status !== 0
      ? { ok: false, reason: explainBwrapFailure(run.stderr) }
      : { ok: true, bwrap };
  if (result.ok) rememberProbeOk(env, bwrap);
  else forgetProbe(env);
  return result;
}

/** How the proxy is carried into the sandbox when the network is a list of domains: perl, else socat. */
export function networkBridge(env: NodeJS.ProcessEnv): { perl: string } | "socat" | undefined {
  const perl = findPerl();
  if (perl !== null) return { perl };
  return findProgram("socat", env) === undefined ? undefined : "socat";
}

export const BRIDGE_MISSING =
  'neither perl nor socat is installed (one of them carries the filtered network into the sandbox); install one (apt-get install socat), or set sandbox_network to "off" or "on"';
