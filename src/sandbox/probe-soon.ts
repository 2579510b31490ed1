import { spawn } from "node:child_process";
import { adoptProbe, knownProbe, probeOutcome, probePlan, type ProbeResult } from "./probe.js";

let running: Promise<ProbeResult> | undefined;

/**
 * The sandbox probe without blocking: the answer when known, else one bwrap run in the background (one per
 * process, however many ask) whose answer becomes the process's, as probeSandbox's would.
 */
export function probeSoon(env: NodeJS.ProcessEnv): Promise<ProbeResult> {
  const known = knownProbe();
  if (known) return Promise.resolve(known);
  running ??= new Promise<ProbeResult>((resolve) => {
    const plan = probePlan(env);
    if (!("args" in plan)) return resolve(plan);
    const child = spawn(plan.bwrap, plan.args, { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    // bwrap that hangs is killed, as the synchronous probe's timeout does.
    const limit = setTimeout(() => child.kill("SIGKILL"), 10_000);
    const end = (status: number | null, error?: Error): void => {
      clearTimeout(limit);
      resolve(probeOutcome(plan.bwrap, { error, status, stderr }, env));
    };
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.once("error", (error) => end(null, error));
    child.once("close", (status) => end(status));
  }).then((result) => {
    adoptProbe(result);
    running = undefined;
    return knownProbe() ?? result;
  });
  return running;
}
