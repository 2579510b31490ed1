import { shellQuote } from "../shell/quote.js";
import { existsSync, realpathSync } from "node:fs";
import { basename, dirname, join } from "node:path";

/**
 * A worker mostly waits (on the model, on its tasks): V8 is told to favour memory over speed. Measured on a
 * waiting worker (bench agents): a 1 MB semi-space instead of 16 MB, smaller heap growth and code, no
 * helper threads took its RSS from 92 to 82 MB (private 48 -> 38 MB) at the same CPU time per start.
 * Liftoff only: undici's HTTP parser (WebAssembly) got hot by the second reply and TurboFan compiled it
 * then, holding 25 MB for a moment and 200 ms of CPU; Liftoff's code parses a 400 KB stream no slower.
 * JavaScript stops at Sparkplug (--max-opt=1): TurboFan's own code and zones held 3.5 MB of a waiting worker
 * (61 -> 57.5 MB), and a streamed 200 KB turn or a diff of a 20,000-line file took no more CPU without it.
 * A 20 MB first old space: no full mark-compact before a worker waits, ~20 ms less CPU before its first
 * command (4 fan-outs side by side, load 4-8) for 3.3 MB more while waiting (54.8 -> 58.1 MB).
 */
export const WORKER_V8_FLAGS = [
  "--max-semi-space-size=1",
  "--optimize-for-size",
  "--single-threaded",
  "--liftoff-only",
  "--max-opt=1",
  "--initial-old-space-size=20",
];

/** The worker's slim entry next to lanes' own (dist/agent-worker-start.cjs, or its source when run from src/). */
export function workerEntry(entry: string): string {
  if (!existsSync(entry)) return entry;
  // An installed `lanes` is a symlink into the package: its slim entry sits beside the real file.
  const real = realpathSync(entry);
  const slim = join(
    dirname(real),
    basename(real) === "main.ts" ? "agent-worker-main.ts" : "agent-worker-start.cjs",
  );
  return existsSync(slim) ? slim : entry;
}

/**
 * The shell line that starts an agent's worker: this same lanes (node, its loader flags, the worker's slim
 * entry beside its own), `exec`'d so the worker itself leads the task's process group.
 */
export function workerCommand(
  specFile: string,
  self = { node: process.execPath, execArgv: process.execArgv, entry: process.argv[1] ?? "" },
): string {
  const words = [
    self.node,
    ...self.execArgv,
    ...WORKER_V8_FLAGS,
    workerEntry(self.entry),
    "agent-worker",
    specFile,
  ];
  return `exec ${words.map(shellQuote).join(" ")}`;
}
