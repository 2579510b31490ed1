import { shellQuote } from "../src/shell/quote.js";
import { spawn } from "node:child_process";
import { join } from "node:path";
import type { SpawnPlan } from "../src/process/launch-wrapper.js";
import { createSandbox } from "../src/sandbox/create.js";
import { bwrapOptions, startMountHolder, startSessionHolder } from "./shared-mount-holder.js";
import { benchConfig, percentile, round, since, withWorkspace } from "./support.js";

/** Wall / 2 s of k `sleep 2` started at once by node: in bubblewrap as lanes wraps them, and plain. */
export interface BwrapFloor {
  k: number;
  bwrap: number;
  plain: number;
  /** The structural option's floor: lanes' mounts held once, each task a small bwrap in that namespace. */
  held?: number | undefined;
  /** The same, each task entering with unshare and setpriv instead of a bwrap of its own. */
  heldWithoutBwrap?: number | undefined;
  /** One holder per session with its pid namespace too: each task only enters it (no namespace per task). */
  session?: number | undefined;
  /** The same entered by one perl (setns, capabilities dropped), as lanes' launcher would: no extra exec. */
  sessionByLauncher?: number | undefined;
  rounds: number;
}

const SLEEP_S = 2;
const ROUNDS = 3;

/**
 * Starts every plan at once from one shell (`cmd & ...`, then a wait for each), so neither side pays node's
 * fork of itself per start, which lanes' fork server does not pay either; resolves when the last has
 * exited, in ms from the shell's spawn. All plans of a burst share the first one's environment.
 */
export async function burst(plans: SpawnPlan[], cwd: string): Promise<number> {
  const lines = plans.map(
    (plan) => `${[plan.file, ...plan.args].map(shellQuote).join(" ")} & pids="$pids $!"`,
  );
  const script = [...lines, 'for p in $pids; do wait "$p" || exit 1; done'].join("\n");
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    // The script on stdin: k bwrap command lines outgrow an argument's limit.
    const child = spawn("/bin/sh", ["-s"], { cwd, env: plans[0]?.env, stdio: ["pipe", "ignore", "ignore"] });
    child.stdin.end(`${script}\n`);
    child.once("error", reject);
    child.once("exit", (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`bwrap floor: a start failed (${code ?? signal})`)),
    );
  });
  return since(started);
}

/**
 * Bubblewrap's own floor at k parallel starts, with no lanes and no perl: one shell starts k `bwrap <the very
 * arguments lanes' sandbox gives> sh -c 'sleep 2'` (default config; its shared network is not entered,
 * which takes the launcher's setns) against k plain `sh -c 'sleep 2'`, rounds alternating; medians.
 */
export async function bwrapFloor(
  k: number,
  rounds = ROUNDS,
  /** Also the structural option's two floors (two more bursts a round). */
  structural = false,
): Promise<BwrapFloor | undefined> {
  return withWorkspace("bwrap-floor", async (workspace) => {
    const env = process.env;
    const sandbox = createSandbox(benchConfig({}), { workspace, lanesDir: join(workspace, ".lanes"), env });
    if (sandbox === undefined) return undefined;
    const plain: SpawnPlan = { file: "/bin/sh", args: ["-c", `sleep ${SLEEP_S}`], env };
    try {
      const times = {
        bwrap: [] as number[],
        plain: [] as number[],
        held: [] as number[],
        heldWithoutBwrap: [] as number[],
        session: [] as number[],
        sessionByLauncher: [] as number[],
      };
      for (let round = 0; round < rounds; round++) {
        times.plain.push(
          await burst(
            Array.from({ length: k }, () => plain),
            workspace,
          ),
        );
        // wrap() per command, as lanes calls it; its arguments are made before the clock starts.
        const wrapped = Array.from({ length: k }, () => sandbox.wrap(plain, workspace));
        try {
          times.bwrap.push(await burst(wrapped, workspace));
        } finally {
          for (const plan of wrapped) plan.release?.();
        }
        if (!structural) continue;
        const shared = sandbox.wrap(plain, workspace);
        const options = bwrapOptions(shared.args);
        const plans = (task: (plan: SpawnPlan, cwd: string) => SpawnPlan) =>
          Array.from({ length: k }, () => task(plain, workspace));
        const holder = startMountHolder(shared.file, options);
        try {
          if (holder) {
            times.held.push(await burst(plans(holder.task), workspace));
            times.heldWithoutBwrap.push(await burst(plans(holder.taskWithoutBwrap), workspace));
          }
        } finally {
          holder?.stop();
        }
        const session = startSessionHolder(shared.file, options);
        try {
          if (session) {
            times.session.push(await burst(plans(session.task), workspace));
            if (session.taskByLauncher)
              times.sessionByLauncher.push(await burst(plans(session.taskByLauncher), workspace));
          }
        } finally {
          session?.stop();
          shared.release?.();
        }
      }
      const ratio = (list: number[]): number => round(percentile(list, 50) / (SLEEP_S * 1000), 3);
      // A structural floor only where every round measured it.
      const of = (list: number[]) => (list.length === rounds ? ratio(list) : undefined);
      return {
        k,
        bwrap: ratio(times.bwrap),
        plain: ratio(times.plain),
        held: of(times.held),
        heldWithoutBwrap: of(times.heldWithoutBwrap),
        session: of(times.session),
        sessionByLauncher: of(times.sessionByLauncher),
        rounds,
      };
    } finally {
      sandbox.close?.();
    }
  });
}

// Run alone: `node bin/run-ts.js bench/bwrap-floor.ts 3 50` prints each k's figures.
if (process.argv[1]?.endsWith("bwrap-floor.ts")) {
  for (const k of process.argv.slice(2).map(Number))
    console.log(JSON.stringify(await bwrapFloor(k, ROUNDS, true)));
}
