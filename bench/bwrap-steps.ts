import { join } from "node:path";
import type { SpawnPlan } from "../src/process/launch-wrapper.js";
import { createSandbox } from "../src/sandbox/create.js";
import { burst } from "./bwrap-floor.js";
import { bwrapOptions, startMountHolder } from "./shared-mount-holder.js";
import { childrenCpuMs } from "./main-thread.js";
import { benchConfig, percentile, round, withWorkspace } from "./support.js";
import { systemCpuSince, systemSnapshot, type SystemCpu } from "./system-cpu.js";

/** One variant of lanes' bubblewrap arguments at k parallel `sleep 2`: wall, and where the machine's CPU went. */
export interface BwrapStep {
  step: string;
  /** Median wall / 2 s. */
  wall: number;
  /** Per start, ms: the shell's reaped children (bwrap and all it ran), and the whole machine. */
  childMs: number;
  system: SystemCpu;
}

const SLEEP_S = 2;
type Transform = (groups: string[][]) => string[][];

const drop =
  (...names: string[]): Transform =>
  (all) =>
    all.filter((g) => !names.includes(g[0] ?? ""));
/** Where the writable roots end and the protective mounts begin (a pin is a --bind inside a root). */
function rootsEnd(all: string[][]): number {
  const roots: string[] = [];
  let end = 0;
  all.forEach((g, i) => {
    const path = g[1] ?? "";
    if (g[0] !== "--bind" || roots.some((root) => path.startsWith(`${root}/`))) return;
    roots.push(path);
    end = i;
  });
  return end;
}
/** The variants: each changes one part of lanes' arguments (the first is lanes' arguments as they are). */
function variants(): { step: string; change: Transform }[] {
  return [
    { step: "lanes' arguments", change: (all) => all },
    { step: "without --dev /dev", change: drop("--dev") },
    { step: "without --unshare-ipc", change: drop("--unshare-ipc") },
    { step: "without --unshare-uts", change: drop("--unshare-uts") },
    { step: "without --unshare-pid and --proc", change: drop("--unshare-pid", "--proc") },
    {
      step: "without the protective mounts (everything after the writable roots)",
      change: (all) => all.filter((g, i) => i <= rootsEnd(all) || g[0] === "--chdir"),
    },
    { step: "without --unshare-ipc and --unshare-uts", change: drop("--unshare-ipc", "--unshare-uts") },
    {
      step: "minimal: --ro-bind / / --dev --proc --unshare-pid",
      change: (all) =>
        all.filter(
          (g) =>
            ["--dev", "--proc", "--unshare-pid", "--chdir"].includes(g[0] ?? "") ||
            (g[0] === "--ro-bind" && g[1] === "/"),
        ),
    },
  ];
}

async function measure(
  plans: SpawnPlan[],
  cwd: string,
  k: number,
): Promise<{ ms: number; childMs: number; system: SystemCpu }> {
  const before = systemSnapshot();
  const children = childrenCpuMs() ?? 0;
  const ms = await burst(plans, cwd);
  const system = systemCpuSince(before);
  const perStart = (value: number) => round(value / k, 2);
  return {
    ms,
    childMs: perStart((childrenCpuMs() ?? 0) - children),
    system: {
      userMs: perStart(system.userMs),
      systemMs: perStart(system.systemMs),
      softirqMs: perStart(system.softirqMs),
      idleMs: perStart(system.idleMs),
      kernelThreadsMs: perStart(system.kernelThreadsMs),
    },
  };
}

/**
 * Each variant of lanes' arguments against plain `sh -c 'sleep 2'`, k at once from one shell (bwrap-floor.ts's
 * burst), rounds alternating through the variants; medians of wall, and the machine's CPU of the median round.
 */
export async function bwrapSteps(k: number, rounds = 2): Promise<BwrapStep[]> {
  return withWorkspace("bwrap-steps", async (workspace) => {
    const env = process.env;
    const sandbox = createSandbox(benchConfig({}), { workspace, lanesDir: join(workspace, ".lanes"), env });
    if (sandbox === undefined) return [];
    const plain: SpawnPlan = { file: "/bin/sh", args: ["-c", `sleep ${SLEEP_S}`], env };
    const samples = new Map<string, Awaited<ReturnType<typeof measure>>[]>();
    const add = (step: string, sample: Awaited<ReturnType<typeof measure>>) =>
      samples.set(step, [...(samples.get(step) ?? []), sample]);
    try {
      for (let round = 0; round < rounds; round++) {
        add(
          "plain sh",
          await measure(
            Array.from({ length: k }, () => plain),
            workspace,
            k,
          ),
        );
        const shared = sandbox.wrap(plain, workspace);
        const holder = startMountHolder(shared.file, bwrapOptions(shared.args));
        if (holder) {
          const plans = Array.from({ length: k }, () => holder.task(plain, workspace));
          try {
            add(
              "structural: lanes' mounts held once; per task nsenter → bwrap --unshare-pid --proc --dev",
              await measure(plans, workspace, k),
            );
          } finally {
            holder.stop();
            shared.release?.();
          }
        }
        for (const { step, change } of variants()) {
          const wrapped = Array.from({ length: k }, () => sandbox.wrap(plain, workspace));
          const plans = wrapped.map((plan) => {
            const options = bwrapOptions(plan.args);
            const command = plan.args.slice(options.flat().length);
            return { ...plan, args: [...change(options).flat(), ...command] };
          });
          try {
            add(step, await measure(plans, workspace, k));
          } finally {
            for (const plan of wrapped) plan.release?.();
          }
        }
      }
    } finally {
      sandbox.close?.();
    }
    return [...samples].map(([step, list]) => {
      const sorted = [...list].sort((a, b) => a.ms - b.ms);
      const median = sorted[Math.floor((sorted.length - 1) / 2)] ?? sorted[0]!;
      return {
        step,
        wall: round(
          percentile(
            list.map((s) => s.ms),
            50,
          ) /
            (SLEEP_S * 1000),
          3,
        ),
        childMs: median.childMs,
        system: median.system,
      };
    });
  });
}

// `node bin/run-ts.js bench/bwrap-steps.ts 200 2`: k and rounds.
if (process.argv[1]?.endsWith("bwrap-steps.ts")) {
  const [k = 200, rounds = 2] = process.argv.slice(2).map(Number);
  for (const step of await bwrapSteps(k, rounds)) console.log(JSON.stringify(step));
}
