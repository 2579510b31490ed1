import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { tempWorkspace } from "../helpers/temp-workspace.js";

// probe.ts keeps one answer per process: each case loads its own copy of the modules.
async function freshModules() {
  vi.resetModules();
  const agentProbe = await import("../../src/agents/agent-probe.js");
  const probe = await import("../../src/sandbox/probe.js");
  return { ...agentProbe, ...probe };
}

const answer = { ok: true as const, bwrap: "/from/the/parent/bwrap" };

/** A workspace with a worker's spec whose parent has not answered its probe yet. */
function pendingSpec(onTestFinished: (fn: () => void) => void): {
  ws: ReturnType<typeof tempWorkspace>;
  spec: string;
} {
  const ws = tempWorkspace("lanes-probe-");
  onTestFinished(() => ws.cleanup());
  const spec = join(ws.dir, "a.spec.json");
  writeFileSync(spec, JSON.stringify({ prompt: "x", sandbox_probe: { pending: true } }));
  return { ws, spec };
}
describe("a worker's sandbox probe handed down while its parent still probes", () => {
  it("takes the parent's answer written into its spec after the worker started, without probing", async ({
    onTestFinished,
  }) => {
    const { ws, spec } = pendingSpec(onTestFinished);
    const later = join(ws.dir, "later.json");
    writeFileSync(later, JSON.stringify({ prompt: "x", sandbox_probe: answer }));
    const { adoptParentProbe, knownProbe, probeSandbox } = await freshModules();
    adoptParentProbe(spec, { pending: true });
    expect(knownProbe()).toBeUndefined();
    // The parent is another process: it answers 300 ms later while this thread waits.
    const parent = spawn("sh", ["-c", `sleep 0.3; mv '${later}' '${spec}'`], { stdio: "ignore" });
    onTestFinished(() => void parent.kill("SIGKILL"));
    // A bwrap that is not there: only the parent's answer can say ok.
    expect(probeSandbox({ PATH: ws.dir })).toEqual(answer);
  });

  it("probes for itself when its parent died before answering (the spec stays pending)", async ({
    onTestFinished,
  }) => {
    const { spec } = pendingSpec(onTestFinished);
    const { adoptParentProbe, probeSandbox } = await freshModules();
    adoptParentProbe(spec, { pending: true });
    const started = Date.now();
    const result = probeSandbox(process.env);
    expect(result.ok).toBe(true);
    expect(result).not.toEqual(answer);
    // It waited for the answer (2 s) before its own bwrap run.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    expect(JSON.parse(readFileSync(spec, "utf8")).sandbox_probe).toEqual({ pending: true });
  });
});
