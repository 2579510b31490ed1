import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { benchAgents } from "./agents.js";
import { benchCompletionLatency } from "./completion-latency.js";
import { benchEventLoop } from "./event-loop.js";
import { benchLongSession } from "./long-session.js";
import { benchSandboxScale } from "./sandbox-scale.js";
import { benchSandboxStart } from "./sandbox-start.js";
import { benchSessionSave } from "./session-save.js";
import { describeMachine, loadAverage } from "./machine.js";
import { toMarkdown } from "./markdown.js";
import { benchOutputFlood } from "./output-flood.js";
import { benchParallelWall } from "./parallel-wall.js";
import { benchRemote } from "./remote-lanes.js";
import { passes, rows, type BenchParts, type BenchResults } from "./report.js";
import { toJson } from "./results-json.js";
import { benchSoak } from "./soak/soak-bench.js";
import { benchSpawnBreakdown } from "./spawn-breakdown.js";
import { benchSpawnThroughput } from "./spawn-throughput.js";
import { benchStartup } from "./startup.js";
import { round, since, type BenchContext } from "./support.js";

// `npm run bench -- --quick`: smaller k and sizes for a smoke run; its results never overwrite the full ones.
const quick = process.argv.includes("--quick");
// `npm run bench -- --only startup,flood`: runs those parts; the others keep their figures from the last run.
const onlyArg = process.argv.indexOf("--only");
const only = onlyArg === -1 ? undefined : (process.argv[onlyArg + 1] ?? "").split(",").filter(Boolean);
const context: BenchContext = { quick, log: (line) => console.log(`  ${line}`) };

// In run order: the flood runs first, while the heap is small, so RSS growth is lanes' own.
const parts: { [K in keyof BenchParts]-?: () => Promise<BenchParts[K]> } = {
  flood: () => benchOutputFlood(context),
  eventLoop: () => benchEventLoop(context),
  spawn: () => benchSpawnThroughput(context),
  spawnSteps: () => benchSpawnBreakdown(context),
  latency: () => benchCompletionLatency(context),
  parallel: () => benchParallelWall(context),
  sessionSave: () => benchSessionSave(context),
  longSession: () => benchLongSession(context),
  sandboxStart: () => benchSandboxStart(context),
  sandboxScale: () => benchSandboxScale(context),
  startup: () => benchStartup(context),
  soak: () => benchSoak(context),
  agents: () => benchAgents(context),
  remote: () => benchRemote(context),
};
const names = Object.keys(parts) as (keyof BenchParts)[];
const unknown = only?.filter((name) => !(names as string[]).includes(name)) ?? [];
if (only?.length === 0 || unknown.length > 0) {
  console.error(`lanes bench: --only takes part names separated by commas: ${names.join(", ")}`);
  process.exit(2);
}

const base = join(import.meta.dirname, quick ? "results.quick" : "results");
// Every part's raw figures, so a part run alone is written beside the others' (results.json is derived).
const partsFile = `${base}.parts.json`;
const previous: Partial<BenchParts> =
  only && existsSync(partsFile) ? (JSON.parse(readFileSync(partsFile, "utf8")) as Partial<BenchParts>) : {};
// Parts added since the last whole run may be absent (the soak takes 10 minutes): their rows read "not run"
// or are left out until they run.
const optional: (keyof BenchParts)[] = ["soak", "agents", "remote"];
const missing = only
  ? names.filter((name) => !only.includes(name) && !optional.includes(name) && previous[name] === undefined)
  : [];
if (missing.length > 0) {
  console.error(`lanes bench: no earlier figures for ${missing.join(", ")}: run the whole bench once first`);
  process.exit(2);
}

const started = performance.now();
console.log(`lanes bench${quick ? " --quick" : ""}${only ? ` --only ${only.join(",")}` : ""}`);
const machine = describeMachine();
const measured: Partial<BenchParts> = { ...previous };
for (const name of names) {
  if (only && !only.includes(name)) continue;
  console.log(`${name}:`);
  Object.assign(measured, { [name]: await parts[name]() });
}
machine.load_avg_end = loadAverage();
const results: BenchResults = {
  ...{ quick, durationS: round(since(started) / 1000, 1), machine },
  ...(measured as BenchParts),
  ...(only ? { rerun: only } : {}),
};

writeFileSync(partsFile, `${JSON.stringify(measured, null, 2)}\n`);
writeFileSync(`${base}.json`, `${JSON.stringify(toJson(results), null, 2)}\n`);
writeFileSync(`${base}.md`, toMarkdown(results));
console.log("");
for (const row of rows(results)) {
  const pass = passes(row);
  const target = row.target ? ` (target ${row.target.op} ${row.target.limit})` : "";
  console.log(
    `${pass === null ? "    " : pass ? "ok  " : "MISS"} ${row.figure}: ${row.measured ?? "not run"}${target}`,
  );
}
console.log(`\nwrote ${base}.md and ${base}.json in ${results.durationS} s`);
