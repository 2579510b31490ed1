import { join } from "node:path";
import { LaneManager } from "../src/lanes/lane-manager.js";
import { readFileSync } from "node:fs";
import { ForkServerSlot } from "../src/process/fork-server-slot.js";
import { startGroupProcess } from "../src/process/group-process.js";
import { childrenCpuMs } from "./main-thread.js";
import { percentile, round, runChild, withWorkspace, type BenchContext } from "./support.js";

/** Median ms per `true` task, one at a time, each step adding one piece of what a lanes task costs. */
export interface SpawnStep {
  step: string;
  medianMs: number;
  /**
   * CPU ms per task of the processes the step started (the chain: launcher, shell), from /proc ticks summed
   * over all samples: lanes' reaped children, or the fork server and its reaped children. Load barely moves it.
   */
  chainCpuMs?: number;
  /** This process's CPU ms per task (all threads, process.cpuUsage): lanes' own side, spawn() included. */
  ownCpuMs?: number;
}

/** `cpu`: the chain's CPU ms so far (a counter read before and after each run). */
type Step = { step: string; run: (i: number) => Promise<unknown>; cpu?: () => number };

/** A process's own and its reaped children's CPU ms (10 ms ticks), from /proc. */
function treeCpuMs(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat
      .slice(stat.lastIndexOf(")") + 2)
      .split(" ")
      .slice(11, 15);
    return fields.reduce((sum, ticks) => sum + Number(ticks), 0) * 10;
  } catch {
    return Number.NaN;
  }
}

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
      ? "+ exit code recorded by the launcher (a perl started per task, as before the fork server)"
      : "+ own process group, stdin pipe, log file",
    run: (i) => {
      const base = join(dir, `${wrapper ? "w" : "g"}${i}`);
      const options = { command: "true", cwd: dir, env: process.env, stdin: "pipe" as const };
      const exitFile = wrapper ? `${base}.exit` : undefined;
      return startGroupProcess({ ...options, outputFile: `${base}.log`, exitFile }).exited;
    },
    cpu: () => childrenCpuMs() ?? Number.NaN,
  };
}

/** The same task forked by a warm fork server (startGroupProcess as lanes uses it now). */
function servedStep(dir: string, slot: ForkServerSlot): Step {
  return {
    step: "+ exit code recorded, launcher forked by the fork server (startGroupProcess as lanes uses it)",
    run: (i) => {
      const base = join(dir, `s${i}`);
      const options = { command: "true", cwd: dir, env: process.env, stdin: "pipe" as const };
      const paths = { outputFile: `${base}.log`, exitFile: `${base}.exit` };
      return startGroupProcess({ ...options, ...paths, forkServer: slot }).exited;
    },
    cpu: () => treeCpuMs(slot.get()?.pid),
  };
}

/** Runs the steps round-robin, so load from elsewhere on the machine spreads evenly over all of them. */
export async function benchSpawnBreakdown(context: BenchContext): Promise<SpawnStep[]> {
  const samples = context.quick ? 30 : 100;
  const slot = new ForkServerSlot();
  return withWorkspace("spawn-breakdown", async (dir) => {
    const steps: Step[] = [
      {
        step: "plain `spawn('/bin/sh', ['-c', 'true'])`",
        run: () => runChild("/bin/sh", ["-c", "true"]),
        cpu: () => childrenCpuMs() ?? Number.NaN,
      },
      groupStep(dir, false),
      groupStep(dir, true),
      servedStep(dir, slot),
      managerStep(dir, ".lanes-stub", true),
      managerStep(dir, ".lanes", false),
    ];
    slot.get();
    const times = steps.map((): number[] => []);
    const cpu = steps.map(() => 0);
    const own = steps.map(() => 0);
    for (let i = 0; i < samples; i++) {
      for (const [index, step] of steps.entries()) {
        const cpuBefore = step.cpu?.() ?? 0;
        const ownBefore = process.cpuUsage();
        const started = performance.now();
        await step.run(i);
        times[index]?.push(performance.now() - started);
        const ownUsed = process.cpuUsage(ownBefore);
        own[index] = (own[index] ?? 0) + (ownUsed.user + ownUsed.system) / 1000;
        cpu[index] = (cpu[index] ?? 0) + (step.cpu?.() ?? 0) - cpuBefore;
      }
    }
    slot.close();
    const result = steps.map((step, index) => ({
      step: step.step,
      medianMs: round(percentile(times[index] ?? [], 50)),
      ...(step.cpu ? { chainCpuMs: round((cpu[index] ?? 0) / samples) } : {}),
      ownCpuMs: round((own[index] ?? 0) / samples),
    }));
    context.log(`spawn breakdown: ${result.map((r) => r.medianMs).join(" → ")} ms per task`);
    return result;
  });
}
