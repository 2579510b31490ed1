import { join } from "node:path";
import { LaneManager } from "../src/lanes/lane-manager.js";
import { startGroupProcess } from "../src/process/group-process.js";
import { percentile, round, runChild, withWorkspace, type BenchContext } from "./support.js";

/** Median ms per `true` task, one at a time, each step adding one piece of what a lanes task costs. */
export interface SpawnStep {
  step: string;
  medianMs: number;
}

type Step = { step: string; run: (i: number) => Promise<unknown> };

function managerStep(dir: string, name: string, stubRecords: boolean): Step {
  const lanes = new LaneManager({
    env: process.env,
    ownerPid: process.pid,
    workspace: dir,
    lanesDir: join(dir, name),
    stallMs: 0,
  });
  // Diagnostic only: with saves stubbed, the difference to the full manager is the record writes' share.
  if (stubRecords) Object.assign(lanes.store, { save: () => Promise.resolve() });
  return {
    step: stubRecords
      ? "LaneManager, record writes stubbed out"
      : "LaneManager (start → ended → records flushed)",
    run: async () => {
      await lanes.whenEnded(lanes.start({ command: "true" }).id);
      await lanes.flush();
    },
  };
}

function groupStep(dir: string, wrapper: boolean): Step {
  return {
    step: wrapper
      ? "+ exit code recorded by the launcher (startGroupProcess as lanes uses it)"
      : "+ own process group, stdin pipe, log file",
    run: (i) => {
      const base = join(dir, `${wrapper ? "w" : "g"}${i}`);
      const options = { command: "true", cwd: dir, env: process.env, stdin: "pipe" as const };
      const exitFile = wrapper ? `${base}.exit` : undefined;
      return startGroupProcess({ ...options, outputFile: `${base}.log`, exitFile }).exited;
    },
  };
}

/** Runs the steps round-robin, so load from elsewhere on the machine spreads evenly over all of them. */
export async function benchSpawnBreakdown(context: BenchContext): Promise<SpawnStep[]> {
  const samples = context.quick ? 30 : 100;
  return withWorkspace("spawn-breakdown", async (dir) => {
    const steps: Step[] = [
      { step: "plain `spawn('/bin/sh', ['-c', 'true'])`", run: () => runChild("/bin/sh", ["-c", "true"]) },
      groupStep(dir, false),
      groupStep(dir, true),
      managerStep(dir, ".lanes-stub", true),
      managerStep(dir, ".lanes", false),
    ];
    const times = steps.map((): number[] => []);
    for (let i = 0; i < samples; i++) {
      for (const [index, step] of steps.entries()) {
        const started = performance.now();
        await step.run(i);
        times[index]?.push(performance.now() - started);
      }
    }
    const result = steps.map((step, index) => ({
      step: step.step,
      medianMs: round(percentile(times[index] ?? [], 50)),
    }));
    context.log(`spawn breakdown: ${result.map((r) => r.medianMs).join(" → ")} ms per task`);
    return result;
  });
}
