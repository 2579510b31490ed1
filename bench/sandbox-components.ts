import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { ConfigSchema } from "../src/config/config.js";
import { commandPlan, EXIT_FILE_WRAPPER } from "../src/process/command-plan.js";
import { ownGroupLaunch } from "../src/process/own-group-launch.js";
import type { CommandSandbox } from "../src/sandbox/sandbox.js";
import { findProgram } from "../src/sandbox/probe.js";
import { createSandbox } from "../src/sandbox/create.js";
import { childrenCpuMs } from "./main-thread.js";
import { round } from "./support.js";

/** CPU ms per run of one way of starting `sh -c true`: what each step of a sandboxed start costs by itself. */
export interface ComponentCost {
  step: string;
  cpuMs: number;
  /** perf stat's task-clock (all descendants), or the reaped children's ticks where perf cannot count. */
  how: string;
}

const CHUNK = 10;

/**
 * CPU ms of CHUNK runs of argv, descendants included. `perf stat` counts every process forked under it, also
 * the namespace's init that the host's init reaps (the /proc/self/stat ticks of reaped children miss it).
 */
function chunkCpuMs(perf: string | undefined, argv: string[]): number {
  const [file = "", ...args] = argv;
  if (perf === undefined) {
    const before = childrenCpuMs() ?? 0;
    for (let i = 0; i < CHUNK; i++) spawnSync(file, args, { stdio: "ignore" });
    return (childrenCpuMs() ?? 0) - before;
  }
  const run = spawnSync(perf, ["stat", "-x,", "-e", "task-clock", "-r", String(CHUNK), file, ...args], {
    encoding: "utf8",
    stdio: ["ignore", "ignore", "pipe"],
  });
  const line = run.stderr.split("\n").find((l) => l.includes("task-clock"));
  return Number(line?.split(",")[0]) * CHUNK;
}

/** perf, when it is installed and allowed to count here. */
function usablePerf(): string | undefined {
  const perf = findProgram("perf", process.env);
  if (perf === undefined) return undefined;
  return Number.isFinite(chunkCpuMs(perf, ["/bin/true"])) ? perf : undefined;
}

/** A whole task's chain (exit code recorded) before and after the launcher became the recorder (issue 17). */
function taskChains(sandbox: CommandSandbox, dir: string): { step: string; argv: string[] }[] {
  const env = process.env;
  const launched = (plan: ReturnType<typeof commandPlan>): string[] => {
    const { file, args, env: planEnv, namespaces } = plan.plan;
    const launch = ownGroupLaunch(file, args, planEnv, { ...plan.launch, namespaces });
    return [launch.file, ...launch.args];
  };
  const wrapperArgs = ["-c", EXIT_FILE_WRAPPER, "sh", "true"];
  const before = { plan: { file: "/bin/sh", args: wrapperArgs, env }, launch: {} };
  const sandboxedBefore = {
    plan: sandbox.wrap({ file: "/bin/sh", args: wrapperArgs, env }, dir),
    launch: {},
  };
  return [
    { step: "task before: perl launcher → sh wrapper → subshell", argv: launched(before) },
    {
      step: "task now: one perl (group, exit code) → sh",
      argv: launched(commandPlan("true", env, true, undefined, dir)),
    },
    {
      step: "sandboxed task before: perl (setns) → bwrap → sh wrapper → subshell",
      argv: launched(sandboxedBefore),
    },
    {
      step: "sandboxed task now: perl (setns) → bwrap → perl → sh",
      argv: launched(commandPlan("true", env, true, sandbox, dir)),
    },
  ];
}

/**
 * Each chain run alone, `runs` times, alternating in chunks of 10 so load from elsewhere spreads over all.
 * CPU of the children (10 ms ticks, summed over many runs), not wall: the machine is shared.
 */
export function sandboxComponents(dir: string, runs: number): ComponentCost[] {
  const sandbox = createSandbox(ConfigSchema.parse({}), {
    workspace: dir,
    lanesDir: join(dir, ".lanes"),
    env: process.env,
  });
  const nsenter = findProgram("nsenter", process.env);
  if (!sandbox || !nsenter) return [];
  try {
    const sh = ["/bin/sh", "-c", "true"];
    const plan = sandbox.wrap({ file: "/bin/sh", args: sh.slice(1), env: process.env }, dir);
    const bwrap = [plan.file, ...plan.args];
    const launched = (argv: string[], namespaces?: string[]): string[] => {
      const [file = "", ...args] = argv;
      const launch = ownGroupLaunch(file, args, process.env, { namespaces });
      return [launch.file, ...launch.args];
    };
    const net = plan.namespaces ?? [];
    const user = net.some((ns) => ns.endsWith("/user")) ? ["--preserve-credentials"] : [];
    const viaNsenter = [
      nsenter,
      ...net.map((ns) => `--${ns.split("/").at(-1)}=${ns}`),
      ...user,
      "--",
      ...bwrap,
    ];
    const chains: { step: string; argv: string[] }[] = [
      { step: "`sh -c true`", argv: sh },
      { step: "perl group launcher → sh (every task, sandboxed or not)", argv: launched(sh) },
      {
        step: "`bwrap --ro-bind / / true` (bubblewrap's floor)",
        argv: [bwrap[0] ?? "bwrap", "--ro-bind", "/", "/", "/bin/true"],
      },
      { step: "bwrap with lanes' mounts → sh", argv: bwrap },
      { step: "nsenter → bwrap → sh", argv: viaNsenter },
      { step: "before: perl → nsenter → bwrap → sh", argv: launched(viaNsenter) },
      { step: "now: perl (setns) → bwrap → sh", argv: launched(bwrap, net) },
    ];
    chains.push(...taskChains(sandbox, dir));
    const perf = usablePerf();
    const cpu = chains.map(() => 0);
    for (let done = 0; done < runs; done += CHUNK) {
      for (const [index, { argv }] of chains.entries())
        cpu[index] = (cpu[index] ?? 0) + chunkCpuMs(perf, argv);
    }
    const how = perf ? "perf stat task-clock" : "reaped children's CPU ticks";
    return chains.map(({ step }, index) => ({ step, cpuMs: round((cpu[index] ?? 0) / runs), how }));
  } finally {
    sandbox.close();
  }
}
