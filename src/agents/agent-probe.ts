import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { waitUntilSync } from "../async/blocking-wait.js";
import { adoptProbe, adoptProbeLater, knownProbe, type ProbeResult } from "../sandbox/probe.js";
import { probeSoon } from "../sandbox/probe-soon.js";
import type { AgentSpec } from "./agent-spec.js";

/** How long a worker's first sandboxed command waits for its parent's answer before probing itself. */
const PENDING_WAIT_MS = 2000;

type SpecProbe = NonNullable<AgentSpec["sandbox_probe"]>;

/**
 * The parent's side, for a spec about to be written: its answer when it has one, else `pending`, and the
 * probe runs in the background (bwrap's run no longer delays the worker's start); then `deliver(file)`.
 */
export function probeForSpec(env: NodeJS.ProcessEnv): { probe: SpecProbe; deliver(file: string): void } {
  const known = knownProbe();
  if (known) return { probe: known, deliver: () => undefined };
  const answer = probeSoon(env);
  return {
    probe: { pending: true },
    // Written into the spec, which the worker reads again at its first sandboxed command.
    deliver: (file) => void answer.then((result) => writeSpecProbe(file, result)),
  };
}

/** Replaces `pending` in the spec file with the answer; one that cannot be written leaves the worker to probe. */
function writeSpecProbe(file: string, result: ProbeResult): void {
  const temp = `${file}.${process.pid}.probe`;
  try {
    const spec = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
    writeFileSync(temp, JSON.stringify({ ...spec, sandbox_probe: result }), { mode: 0o600 });
    // Renamed over it: the worker never reads half a spec.
    renameSync(temp, file);
  } catch {
    rmSync(temp, { force: true });
  }
}

/**
 * The worker's side: the parent's answer now, or, while pending, when first needed (its first sandboxed
 * command waits for it a moment, its own agent_run does not); a parent that died before answering leaves the
 * worker to probe for itself.
 */
export function adoptParentProbe(specFile: string, probe: SpecProbe | undefined): void {
  if (probe === undefined) return;
  if (!("pending" in probe)) return adoptProbe(probe);
  adoptProbeLater((mayWait) => {
    let answer: ProbeResult | undefined;
    const read = (): boolean => (answer = readSpecProbe(specFile)) !== undefined;
    if (mayWait) waitUntilSync(read, PENDING_WAIT_MS, 10);
    else read();
    return answer;
  });
}

function readSpecProbe(file: string): ProbeResult | undefined {
  try {
    const probe = (JSON.parse(readFileSync(file, "utf8")) as AgentSpec).sandbox_probe;
    return probe && !("pending" in probe) ? probe : undefined;
  } catch {
    return undefined;
  }
}
