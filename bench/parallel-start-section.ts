import type { BenchResults } from "./report.js";

// From `node --cpu-prof` of the parallel part's k=50 turn (main thread, wall-sampled, so a loaded machine
// inflates every step alike): ms per start before this change (load 12) and what was cut.
const PROFILE_LINES = [
  "A profile of the k=50 turn (`node --cpu-prof`, lanes' main thread, load 12, 2026-12-06) put 145 ms of main thread per `background_run`, every one synchronous from the model's reply to the last start:",
  "",
  "| step (per start) | ms | cut |",
  "|---|---|---|",
  "| `spawn()` itself (fork of lanes, waiting for the launcher's exec) | 77.5 | `forkserver`'s part |",
  "| sandbox `wrap()`: protected-path list, git files, nested checkouts, roots' real paths | 7.8 | once per second, shared by a burst |",
  "| `wrap()`: mount points (which protected paths exist, lstat of each folder on the way) | 8.8 | each existing path lstat'ed once per command |",
  "| `wrap()`: bubblewrap's arguments (roots' real paths, empty-folder checks, hidden paths) | 7.3 | roots' real paths remembered 1 s; hidden paths still live |",
  "| `wrap()`: shared network (one-time start, then a readlink per start) | 4.7 | none (2 of it once per session) |",
  "| task record write (temp file, rename) | 13.3 | none: written before the task is reported started |",
  "| approval gate (shell walk, guard) | 4.7 | none |",
  "| everything else (lane slot, ids, stdio files, perl env, child streams, reply text) | 20.9 | none |",
  "",
  "The first sandboxed start of a session also pays once: bwrap's probe, the shared network's holder and port publisher, the proxy (about 14 ms per start at k=50 under load 20; most of k=3's start time).",
];

/** Issue 15: lanes' CPU per parallel start, its floor from bubblewrap, and what the profile found. */
export function parallelStartSection(r: BenchResults): string[] {
  const p = r.parallel;
  const cpu = (k: number) => p.phases[`background_k${k}`]?.cpuMsPerStart;
  const cpu50 = cpu(50);
  if (cpu50 === undefined) return [];
  const chain = r.sandboxScale?.components.find((c) => c.step.startsWith("now:"))?.cpuMs;
  const floor =
    chain === undefined
      ? []
      : [
          "",
          `At k=50 the start phase is CPU-bound: lanes' ${cpu50} ms plus the sandboxed chain's ${chain} ms (perl → bwrap → sh, "Where sandboxed time goes") per start, × 50 over 2 cores, is ${((50 * (cpu50 + chain)) / 2).toFixed(0)} ms before the last \`sleep 2\` can start: a wall ratio near ${((2000 + (50 * (cpu50 + chain)) / 2) / 2000).toFixed(2)} however the starts are ordered. The 1.2 target needs (lanes + chain) ≤ 16 ms of CPU per start; bubblewrap's floor alone is about 7-10 ms.`,
        ];
  return [
    "## Where a parallel start goes on lanes' side",
    "",
    `lanes' CPU (all its threads) from the model's first tool call to the last task's start, per start: k=3 ${cpu(3)} ms, k=10 ${cpu(10)} ms, k=50 ${cpu50} ms; one sandbox \`wrap()\` is ${p.wrapCpuMs ?? "—"} ms of it (before this change 2.9-4.0 ms, after 1.9-2.6 ms, in runs alternating old and new code at load 14-33).`,
    ...floor,
    "",
    ...PROFILE_LINES,
  ];
}
