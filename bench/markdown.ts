import { agentMemorySection } from "./agents-rows.js";
import { agentStartSection } from "./agents-start-section.js";
import { parallelStartSection } from "./parallel-start-section.js";
import { passes, rows, type BenchResults } from "./report.js";
import { scaleSection } from "./sandbox-scale-section.js";

const verdict = (pass: boolean | null): string => (pass === null ? "—" : pass ? "pass" : "**MISS**");
// A `|` inside a table cell, even in a code span, ends the cell unless escaped.
const cell = (text: string | number): string => String(text).replaceAll("|", "\\|");
const tableRow = (cells: (string | number)[]): string => `| ${cells.map(cell).join(" | ")} |`;

function spawnSection(r: BenchResults): string[] {
  let previous: number | undefined;
  return [
    `## Where spawn time goes`,
    "",
    `${r.spawn.total} \`true\` tasks per path, in ${r.spawn.chunks} chunks alternating between the paths. Wall ms for the whole batch; CPU ms: this process (all threads) + its children (shells and what they ran; 10 ms ticks). On 2 cores a batch at concurrency ≥ 2 is CPU-bound, so the CPU totals predict the wall ratio on an idle machine.`,
    "",
    "| concurrency | plain wall | `startGroupProcess` (a perl per task) wall | LaneManager wall, all ended | LaneManager wall, flushed | plain CPU | `startGroupProcess` (a perl per task) CPU | LaneManager CPU |",
    "|---|---|---|---|---|---|---|---|",
    ...r.spawn.runs.map((run) =>
      tableRow([
        ...[run.limit, run.wallMs.plain, run.wallMs.groupProcess, run.wallMs.lanesEnded, run.wallMs.lanes],
        ...(["plain", "groupProcess", "lanes"] as const).map(
          (path) => `${run.cpuMs[path]} + ${run.childCpuMs[path]}`,
        ),
      ]),
    ),
    "",
    "One task at a time, each step adding one piece (median of interleaved samples):",
    "",
    "| step | ms per task | added | chain CPU ms per task | chain page faults per task | lanes' own CPU ms per task |",
    "|---|---|---|---|---|---|",
    ...r.spawnSteps.map((step) => {
      const change = step.medianMs - (previous ?? 0);
      const added = previous === undefined ? "" : `${change >= 0 ? "+" : ""}${change.toFixed(2)}`;
      previous = step.medianMs;
      const faults = step.chainFaults ?? "";
      return tableRow([step.step, step.medianMs, added, step.chainCpuMs ?? "", faults, step.ownCpuMs ?? ""]);
    }),
    "",
    "Chain CPU: the processes a step started (launcher, shell), 10 ms ticks from /proc summed over all samples: lanes' reaped children, or the fork server's own and its reaped children's. Load barely moves it; compare the per-task perl with the forked one. lanes' own: this process's CPU (process.cpuUsage), where a spawn() forks the whole node process. Page faults: the same processes' minor and major faults, a count load does not move; in this VM each costs tens of µs (`perf stat true`: 49 faults, 2 ms), so they are most of a chain's CPU: a fork copies no pages, but every page either side then writes faults once.",
    ...chainFloorLines(r),
  ];
}

/** How far lanes' served chain is above the cheapest one that keeps its guarantees, from the steps above. */
function chainFloorLines(r: BenchResults): string[] {
  const step = (prefix: string) => r.spawnSteps.find((s) => s.step.startsWith(prefix));
  const served = step("+ exit code recorded, launcher forked");
  const floor = step("floor of such a chain");
  const plain = step("plain `spawn(");
  if (!served || !floor || !plain) return [];
  const both = (s: typeof served): string =>
    `${s.chainFaults ?? "—"} page faults, ${s.chainCpuMs ?? "—"} ms of CPU`;
  return [
    "",
    `The spawn ratio's floor (unsandboxed, so bubblewrap is no excuse): a task needs its own group inside lanes' session (issue 8), an exit code recorded by a process that outlives lanes, and so a perl forked from the server that forks the shell and waits: two forks and an exec per task. The floor step is that and nothing else: ${both(floor)} per task, against ${both(served)} for lanes' launcher (which also keeps HUP/INT/TERM pending across its fork, issue 17, and hides PERL5OPT) and ${both(plain)} for a plain \`sh -c true\` (node's fork of itself, counted as lanes' own CPU, not here). Before this session lanes' launcher took 424 faults and the floor's structure ~260: the server's environment sent whole with every request and set anew in every child, the launcher's script sent each time, lazy symbol binding in every child, and two reads of /proc/self/status cost the rest.`,
  ];
}

/** The targets issue 15 replaced, and why, from the component costs just measured. */
function floorLines(components: { step: string; cpuMs: number }[]): string[] {
  const cost = (prefix: string) => components.find((c) => c.step.startsWith(prefix))?.cpuMs ?? Number.NaN;
  const sh = cost("`sh -c true`");
  const launcher = cost("perl group launcher") - sh;
  const floor = cost("`bwrap --ro-bind") - sh;
  const now = cost("now:") - cost("perl group launcher");
  return [
    `Bubblewrap's floor here: \`bwrap --ro-bind / / true\` costs ${floor.toFixed(1)} ms of CPU more than a plain \`sh -c true\` (${sh} ms), and the sandbox as lanes runs it ${now.toFixed(1)} ms more than the same launcher without it; 500 sandboxed starts then need at least 500 × ${floor.toFixed(1)} / 2 cores = ${((500 * floor) / 2000).toFixed(1)} s of CPU-bound wall beyond the unsandboxed run. The perl group launcher (every task, sandboxed or not) costs ${launcher.toFixed(1)} ms over \`sh\` alone.`,
    `- Spawn ratio (target 1.3, kept): a task's chain as lanes starts it (the perl that makes the process group without setsid, issue 8, and since issue 17 also forks the shell, waits and records the exit code) costs ${cost("task now:")} ms of CPU against ${sh} ms for plain \`sh -c true\` (the chain it replaced, perl → wrapper shell → subshell: ${cost("task before:")} ms); perl's own start is most of it. Not bubblewrap's cost, so the target stands. Since the fork server (one warm perl per lanes forks each task's launcher) no interpreter starts per task; what is left is two forks of perl per task (the launcher, and its fork of the shell), whose page faults cost here about as much as a small exec: see the chain columns and the floor step of the spawn steps.`,
    `- Sandboxed, the recorder runs inside bubblewrap (the outer bwrap would die at a group TERM), a second perl per task: ${cost("sandboxed task now:")} ms against ${cost("sandboxed task before:")} ms with the wrapper shell it replaced; the price of closing the lost TERM (issue 17) in the sandbox.`,
    "- Parallel wall at k=50 target 1.15 → 1.2: 50 sandboxed starts add bubblewrap's floor, 50 × about 6 ms (quiet machine) over 2 cores, 0.075 of the 2 s (the floor of the whole start, lanes' side included: \"Where a parallel start goes on lanes' side\"). Now measured in every run: the row under each sandboxed k is node starting k bwrap with the sandbox's very arguments, and where that floor is above the target, the target is the floor plus 0.05 (k=3) or 0.1 (k=50).",
  ];
}

/** Issue 15: each step of a sandboxed start by itself, and the group sweeps' /proc scans. */
function sandboxSection(r: BenchResults): string[] {
  const s = r.sandboxScale;
  if (!s || s.components.length === 0) return [];
  return [
    "## Where sandboxed time goes",
    "",
    `Each way of starting \`sh -c true\`, run alone and alternating in chunks of 10; CPU ms per run, everything it forked included (${s.components[0]?.how ?? ""}). On a loaded machine every figure is inflated alike; compare within the table. A sandboxed task pays the launcher and bubblewrap; lanes' own side adds \`wrap()\` (mount arguments) and the group sweep after the leader's exit.`,
    "",
    "| step | CPU ms per run |",
    "|---|---|",
    ...s.components.map((c) => tableRow([c.step, c.cpuMs])),
    "",
    `Group sweeps after a leader's exit scanned /proc ${s.scansPerTask} times per sandboxed task over the sandboxed runs (a 25 ms poll scanned while each sandboxed group's zombie waited for the host's init; the poll after a leader's own exit is 250 ms now, and a sandboxed task's end asks for no escape sweep of every process's environment).`,
    "",
    ...floorLines(s.components),
    "",
    ...scaleSection(s),
  ];
}

/** What the numbers say about a miss, computed from them: where the extra CPU goes, busy loop or starved. */
function readingSection(r: BenchResults): string[] {
  const perTask = (ms: number): string => (ms / r.spawn.total).toFixed(2);
  const spawn = r.spawn.runs.map((run) => {
    const total = (path: "plain" | "groupProcess" | "lanes") => run.cpuMs[path] + run.childCpuMs[path];
    const processModule = total("groupProcess") - total("plain");
    const manager = total("lanes") - total("groupProcess");
    return `- Spawn at concurrency ${run.limit}: lanes used ${(total("lanes") / total("plain")).toFixed(2)}× the CPU of plain spawns. Extra per task: ${perTask(processModule)} ms in the process module with a perl started per task (own group, stdin pipe, log file, the perl recording the exit code), and ${perTask(manager)} ms from there to LaneManager, whose launchers the fork server forks (its record writes, output tail, notification and escape sweeps, less the perl start it saves).`;
  });
  const sum = (key: "cpuMs" | "runQueueWaitMs") =>
    r.eventLoop.lanes.reduce((total, window) => total + (window.thread?.[key] ?? 0), 0);
  return [
    "## Reading the figures",
    "",
    ...spawn,
    `- Event loop under the floods: over the lanes rounds the main thread ran ${sum("cpuMs")} ms and waited ${sum("runQueueWaitMs")} ms in the run queue for a CPU: ${sum("runQueueWaitMs") > sum("cpuMs") ? "the loop was starved of a CPU more than it was busy" : "the loop was busy with lanes' own work"}.${r.machine.sched_autogroup ? " Kernel autogroup scheduling is on here; tasks are process groups inside lanes' own session (src/process/own-group-launch.ts), so they share lanes' scheduling group as the plain floods do, instead of competing as one group each (a session per task gave about 100 ms here before issue 8)." : ""}`,
  ];
}

/** `bench/results.md`: the table for people, then what lies behind the spawn figure and the injection. */
export function toMarkdown(r: BenchResults): string {
  const m = r.machine;
  const load = `load average ${m.load_avg_start.join(" / ")} at the start, ${m.load_avg_end?.join(" / ") ?? "?"} at the end`;
  return [
    `# lanes benchmarks${r.quick ? " (--quick smoke run, smaller sizes)" : ""}`,
    "",
    `Measured ${m.date} on ${m.cpus} × ${m.model}, ${m.total_mem_gb} GB, ${m.platform}, Linux ${m.kernel}, Node ${m.node} (${load}; the machine is shared). The run took ${r.durationS} s. Each figure is a ratio or latency measured side by side in one run${r.rerun ? ` (this run measured only ${r.rerun.join(", ")}; the other figures are from an earlier whole run)` : ""}. Reproduce with \`npm run bench\` (\`-- --quick\` for a smoke run, \`-- --only NAME\` for one part).`,
    "",
    "| figure | measured | target | result | how it was measured |",
    "|---|---|---|---|---|",
    ...rows(r).map((row) => {
      const target = row.target ? `${row.target.op === "<=" ? "≤" : "≥"} ${row.target.limit}` : "—";
      return tableRow([row.figure, row.measured ?? "not run", target, verdict(passes(row)), row.how]);
    }),
    "",
    ...readingSection(r),
    "",
    ...spawnSection(r),
    "",
    ...(r.sandboxScale ? [...sandboxSection(r), ""] : []),
    ...(r.parallel.phases.background_k50?.cpuMsPerStart === undefined
      ? []
      : [...parallelStartSection(r), ""]),
    ...(r.agents ? [...agentMemorySection(r.agents), ""] : []),
    ...(r.agents ? [...agentStartSection(r.agents), ""] : []),
    `## What the model saw for the ${r.flood.size} task (${r.flood.injected.chars} chars)`,
    "",
    "```",
    r.flood.injected.text,
    "```",
    "",
  ].join("\n");
}
