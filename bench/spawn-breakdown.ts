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
  /**
   * Page faults per task of the chain (minor + major, the same processes as chainCpuMs): a count, so load
   * does not move it. Each costs tens of µs in this VM, so they are most of the chain's CPU.
   */
  chainFaults?: number;
}

/** `cpu` and `faults`: the chain's CPU ms and page faults so far (counters read before and after each run). */
type Step = {
  step: string;
  run: (i: number) => Promise<unknown>;
  cpu?: () => number;
  faults?: () => number;
};

/** A process's own and its reaped children's CPU ms (10 ms ticks) and page faults, from /proc. */
function treeUsage(pid: number | string | undefined): { cpuMs: number; faults: number } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const sum = (from: number, to: number): number =>
      fields.slice(from, to).reduce((total, value) => total + Number(value), 0);
    // minflt, cminflt, majflt, cmajflt at 7-10; utime, stime, cutime, cstime at 11-14.
    return { cpuMs: sum(11, 15) * 10, faults: sum(7, 11) };
  } catch {
    return { cpuMs: Number.NaN, faults: Number.NaN };
  }
}

const treeCpuMs = (pid: number | undefined): number => treeUsage(pid).cpuMs;
/** This process's reaped children's page faults (its own are node's, not the chain's). */
function childrenFaults(): number {
  const stat = readFileSync("/proc/self/stat", "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[8]) + Number(fields[10]);
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
    faults: childrenFaults,
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
    faults: () => treeUsage(slot.get()?.pid).faults,
  };
}

// The least a served launcher can do and still give a task its own group, a recorded exit code and a life
// apart from lanes (the server, not lanes, is its parent): make the group, fork the shell, wait, write the code.
const FLOOR_LAUNCHER =
  'setpgrp(0, 0); my $pid = fork(); if ($pid == 0) { exec { "/bin/sh" } "sh", "-c", "true" } ' +
  'waitpid($pid, 0); my $c = $? >> 8; if (open(my $x, ">&=", 3)) { print $x "$c\\n" } exit $c;';

/** The chain's floor: the same server forking that bare launcher (no signal care, nothing else). */
function floorStep(dir: string, slot: ForkServerSlot): Step {
  return {
    step: "floor of such a chain: a served perl that makes the group, forks `sh -c true`, waits, writes the code",
    run: (i) =>
      new Promise((resolve, reject) => {
        const base = join(dir, `f${i}`);
        const server = slot.get();
        if (!server) return reject(new Error("spawn steps: no fork server"));
        const request = { cwd: dir, env: process.env, outputFile: `${base}.log`, exitFile: `${base}.exit` };
        const leader = server.launch({
          ...request,
          script: { code: FLOOR_LAUNCHER, argv: [] },
          stdin: "pipe",
        });
        leader.once("exit", (code: number | null) =>
          code === 0 ? resolve(code) : reject(new Error(`exit ${code}`)),
        );
      }),
    cpu: () => treeCpuMs(slot.get()?.pid),
    faults: () => treeUsage(slot.get()?.pid).faults,
  };
}

/** Runs the steps round-robin, so load from elsewhere on the machine spreads evenly over all of them. */
export async function benchSpawnBreakdown(context: BenchContext): Promise<SpawnStep[]> {
  const samples = context.quick ? 30 : 100;
  const slot = new ForkServerSlot();
  const floorSlot = new ForkServerSlot();
  return withWorkspace("spawn-breakdown", async (dir) => {
    const steps: Step[] = [
      {
        step: "plain `spawn('/bin/sh', ['-c', 'true'])`",
        run: () => runChild("/bin/sh", ["-c", "true"]),
        cpu: () => childrenCpuMs() ?? Number.NaN,
        faults: childrenFaults,
      },
      groupStep(dir, false),
      groupStep(dir, true),
      servedStep(dir, slot),
      floorStep(dir, floorSlot),
      managerStep(dir, ".lanes-stub", true),
      managerStep(dir, ".lanes", false),
    ];
    slot.get();
    floorSlot.get();
    const times = steps.map((): number[] => []);
    const cpu = steps.map(() => 0);
    const own = steps.map(() => 0);
    const faults = steps.map(() => 0);
    for (let i = 0; i < samples; i++) {
      for (const [index, step] of steps.entries()) {
        const cpuBefore = step.cpu?.() ?? 0;
        const faultsBefore = step.faults?.() ?? 0;
        const ownBefore = process.cpuUsage();
        const started = performance.now();
        await step.run(i);
        times[index]?.push(performance.now() - started);
        const ownUsed = process.cpuUsage(ownBefore);
        own[index] = (own[index] ?? 0) + (ownUsed.user + ownUsed.system) / 1000;
        cpu[index] = (cpu[index] ?? 0) + (step.cpu?.() ?? 0) - cpuBefore;
        faults[index] = (faults[index] ?? 0) + (step.faults?.() ?? 0) - faultsBefore;
      }
    }
    slot.close();
    floorSlot.close();
    const result = steps.map((step, index) => ({
      step: step.step,
      medianMs: round(percentile(times[index] ?? [], 50)),
      ...(step.cpu ? { chainCpuMs: round((cpu[index] ?? 0) / samples) } : {}),
      ...(step.faults ? { chainFaults: round((faults[index] ?? 0) / samples, 0) } : {}),
      ownCpuMs: round((own[index] ?? 0) / samples),
    }));
    context.log(`spawn breakdown: ${result.map((r) => r.medianMs).join(" → ")} ms per task`);
    return result;
  });
}
