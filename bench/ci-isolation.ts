// What a fresh process per test file costs, side by side: the small files of a report (own time under 1 s,
// where the fork and the imports weigh most) run in shared workers and with LANES_TEST_ISOLATE=1 (a process
// each), alternating; writes bench/ci-isolation.md. Files that keep a process each anyway are left out.
// Usage: node bin/run-ts.js bench/ci-isolation.ts --from REPORT.json [--rounds N]
import { readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { OWN_PROCESS_FILES } from "../tests/own-process-files.js";
import { loadAverage } from "./machine.js";
import { runSuite, type Report, type SuiteRun } from "./suite-run.js";

const root = join(import.meta.dirname, "..");
const argv = process.argv.slice(2);
/** The value after `flag`, or undefined when the flag is not given. */
const option = (flag: string): string | undefined =>
  argv.includes(flag) ? argv[argv.indexOf(flag) + 1] : undefined;
const source = option("--from");
if (source === undefined) throw new Error("usage: ci-isolation.ts --from REPORT.json [--rounds N]");
const rounds = Number(option("--rounds") ?? 2);
const report = JSON.parse(readFileSync(source, "utf8")) as Report;
const files = report.testResults
  .filter((file) => file.endTime - file.startTime < 1000)
  .map((file) => relative(root, file.name))
  .filter((file) => !OWN_PROCESS_FILES.includes(file));

const loadStart = loadAverage();
const sides = { shared: [] as SuiteRun[], isolated: [] as SuiteRun[] };
for (let round = 0; round < rounds; round++) {
  const output = join(root, ".build", `ci-isolation-${process.pid}.json`);
  sides.shared.push(await runSuite(files, output, { LANES_TEST_ISOLATE: "0" }));
  sides.isolated.push(await runSuite(files, output, { LANES_TEST_ISOLATE: "1" }));
}
const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};
const cpu = (runs: SuiteRun[]): number => median(runs.map((run) => run.cpu));
const wall = (runs: SuiteRun[]): number => median(runs.map((run) => run.wall));
const list = (runs: SuiteRun[]): string => runs.map((run) => run.cpu.toFixed(1)).join(", ");
const text = [
  "# A process per test file, or shared workers",
  "",
  `Measured ${new Date().toISOString()}: the ${files.length} files under 1 s in ${source}, ${rounds} alternating rounds of \`npx vitest run FILES\` each way; load average ${loadStart.join(" / ")} at the start, ${loadAverage().join(" / ")} at the end. CPU: ${sides.shared[0]?.how ?? "?"}, the CLI's build in globalSetup included on both sides.`,
  "",
  "Reproduce with `node bin/run-ts.js bench/ci-isolation.ts --from coverage/vitest-results.json`.",
  "",
  "| | shared workers (the default) | a process per file (`LANES_TEST_ISOLATE=1`) |",
  "|---|---:|---:|",
  `| CPU s, median (each round) | ${cpu(sides.shared).toFixed(1)} (${list(sides.shared)}) | ${cpu(sides.isolated).toFixed(1)} (${list(sides.isolated)}) |`,
  `| wall s, median | ${wall(sides.shared).toFixed(1)} | ${wall(sides.isolated).toFixed(1)} |`,
  `| CPU s per file saved by sharing | ${((cpu(sides.isolated) - cpu(sides.shared)) / files.length).toFixed(2)} | |`,
  "",
].join("\n");
writeFileSync(join(root, "bench", "ci-isolation.md"), text);
console.log(text);
