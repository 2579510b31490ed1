// Where the test suite's time goes: runs `npx vitest run` (or reads a JSON report a run left) and writes
// bench/ci-time.md. Usage: node bin/run-ts.js bench/ci-time.ts [--from REPORT.json] [-- vitest args...]
// The run's CPU is measured as bench/suite-run.ts says.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadAverage } from "./machine.js";
import { runSuite, type Report, type SuiteRun } from "./suite-run.js";

const root = join(import.meta.dirname, "..");
const WORKERS = 2;
const round = (value: number): string => value.toFixed(1);

function describe(report: Report, run?: SuiteRun): string {
  const files = report.testResults.map((file) => ({
    name: file.name.slice(file.name.indexOf("tests/")),
    seconds: (file.endTime - file.startTime) / 1000,
    tests: file.assertionResults.length,
  }));
  const first = Math.min(...report.testResults.map((file) => file.startTime));
  const last = Math.max(...report.testResults.map((file) => file.endTime));
  const span = (last - first) / 1000;
  const sum = files.reduce((total, file) => total + file.seconds, 0);
  const rows = [
    ["test files / tests", `${files.length} / ${report.numPassedTests + report.numFailedTests}`],
    ["failed tests", String(report.numFailedTests)],
    ["first file start → last file end (s)", round(span)],
    ["sum of the files' own times (s)", round(sum)],
    [
      `worker time outside the files' tests (s): ${WORKERS} × span − sum`,
      `${round(WORKERS * span - sum)} (forks, imports, idle workers)`,
    ],
  ];
  if (run !== undefined)
    rows.push(
      ["`npx vitest run` wall (s)", round(run.wall)],
      ["CPU of the run (s)", `${round(run.cpu)} (${run.how})`],
      [`CPU / (${WORKERS} cores × wall)`, (run.cpu / (WORKERS * run.wall)).toFixed(2)],
    );
  const slowest = [...files].sort((a, b) => b.seconds - a.seconds).slice(0, 20);
  return [
    "| figure | value |",
    "|---|---|",
    ...rows.map(([figure, value]) => `| ${figure} | ${value} |`),
    "",
    "Slowest files (their own time: tests and hooks, not the fork and import before them):",
    "",
    "| file | tests | s |",
    "|---|---:|---:|",
    ...slowest.map((file) => `| ${file.name} | ${file.tests} | ${round(file.seconds)} |`),
  ].join("\n");
}

const argv = process.argv.slice(2);
const fromIndex = argv.indexOf("--from");
const dashes = argv.indexOf("--");
const vitestArgs = dashes === -1 ? [] : argv.slice(dashes + 1);
const loadStart = loadAverage();
let report: Report;
let run: SuiteRun | undefined;
let source: string;
if (fromIndex !== -1) {
  source = argv[fromIndex + 1] ?? "";
  report = JSON.parse(readFileSync(source, "utf8")) as Report;
} else {
  source = join(root, ".build", `ci-time-${process.pid}.json`);
  run = await runSuite(vitestArgs, source);
  report = JSON.parse(readFileSync(source, "utf8")) as Report;
}
const text = [
  "# Test suite time",
  "",
  run === undefined
    ? `Read ${new Date().toISOString()} from the report ${source} (its run's load and CPU were not recorded here).`
    : `Measured ${new Date().toISOString()} from \`npx vitest run ${vitestArgs.join(" ")}\`; load average ${loadStart.join(" / ")} at the start, ${loadAverage().join(" / ")} at the end (the machine may be shared).`,
  "",
  "Reproduce with `node bin/run-ts.js bench/ci-time.ts` (`--from coverage/vitest-results.json` reads a report instead of running). The suite is CPU-bound: on 2 cores its wall time is about its CPU / 2.",
  "",
  describe(report, run),
  "",
].join("\n");
writeFileSync(join(root, "bench", "ci-time.md"), text);
console.log(text);
