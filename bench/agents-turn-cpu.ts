import { spawn } from "node:child_process";
import { join } from "node:path";
import { WORKER_V8_FLAGS } from "../src/agents/worker-command.js";
import { startFakeAnthropic, toolReply } from "../tests/helpers/fake-anthropic-server.js";
import { percentile, round } from "./support.js";

/** The worker's own work under its V8 flags against node's defaults, measured side by side. */
export interface TurnCpu {
  rounds: number;
  turns: number;
  /** Median CPU ms of one streamed turn (200 KB of text and a tool call), with the worker's flags. */
  workerTurnMs: number;
  defaultTurnMs: number;
  /** Median CPU ms of one diff of a 20,000-line file, with the worker's flags and with node's defaults. */
  workerDiffMs: number;
  defaultDiffMs: number;
}

const ROOT = join(import.meta.dirname, "..");
// About 200 KB: a long answer, near the most one model turn streams.
const TEXT = `${"word ".repeat(15)}\n`.repeat(2500);

function runChild(flags: string[], url: string, turns: number): Promise<{ turnMs: number; diffMs: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [...flags, "--import", "tsx", join(ROOT, "bench", "turn-cpu-child.ts"), url, String(turns)],
      { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (err += chunk));
    child.once("error", reject);
    child.once("close", (code) =>
      code === 0
        ? resolve(JSON.parse(out))
        : reject(new Error(`turn-cpu child: exit ${code}: ${err.slice(-500)}`)),
    );
  });
}

/** Rounds alternate the two flag sets, so the load of the moment weighs on both alike. */
export async function benchTurnCpu(rounds: number, turns: number): Promise<TurnCpu> {
  const command = `echo ${"y".repeat(2000)}`;
  const server = await startFakeAnthropic(() => toolReply([{ name: "bash", input: { command } }], TEXT));
  const worker = { turn: [] as number[], diff: [] as number[] };
  const plain = { turn: [] as number[], diff: [] as number[] };
  try {
    for (let i = 0; i < rounds; i++) {
      for (const [flags, into] of [
        [WORKER_V8_FLAGS, worker],
        [[], plain],
      ] as const) {
        const { turnMs, diffMs } = await runChild([...flags], server.url, turns);
        into.turn.push(turnMs);
        into.diff.push(diffMs);
      }
    }
  } finally {
    await server.close();
  }
  const median = (values: number[]): number => round(percentile(values, 50), 1);
  return {
    ...{ rounds, turns, workerTurnMs: median(worker.turn), defaultTurnMs: median(plain.turn) },
    ...{ workerDiffMs: median(worker.diff), defaultDiffMs: median(plain.diff) },
  };
}
