import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { benchCompletionLatency } from "./completion-latency.js";
import { benchEventLoop } from "./event-loop.js";
import { benchLongSession } from "./long-session.js";
import { benchSandboxStart } from "./sandbox-start.js";
import { benchSessionSave } from "./session-save.js";
import { describeMachine, loadAverage } from "./machine.js";
import { toMarkdown } from "./markdown.js";
import { benchOutputFlood } from "./output-flood.js";
import { benchParallelWall } from "./parallel-wall.js";
import { passes, rows, type BenchResults } from "./report.js";
import { toJson } from "./results-json.js";
import { benchSpawnBreakdown } from "./spawn-breakdown.js";
import { benchSpawnThroughput } from "./spawn-throughput.js";
import { round, since, type BenchContext } from "./support.js";

// `npm run bench -- --quick`: smaller k and sizes for a smoke run; its results never overwrite the full ones.
const quick = process.argv.includes("--quick");
const context: BenchContext = { quick, log: (line) => console.log(`  ${line}`) };
const started = performance.now();
console.log(`lanes bench${quick ? " --quick" : ""}`);

const machine = describeMachine();
// The flood runs first, while the heap is small, so RSS growth is lanes' own.
const flood = await benchOutputFlood(context);
const eventLoop = await benchEventLoop(context);
const spawn = await benchSpawnThroughput(context);
const spawnSteps = await benchSpawnBreakdown(context);
const latency = await benchCompletionLatency(context);
const parallel = await benchParallelWall(context);
const sessionSave = await benchSessionSave(context);
const longSession = await benchLongSession(context);
const sandboxStart = await benchSandboxStart(context);
machine.load_avg_end = loadAverage();
const results: BenchResults = {
  ...{ quick, durationS: round(since(started) / 1000, 1), machine },
  ...{ parallel, latency, spawn, spawnSteps, flood, eventLoop, longSession, sessionSave, sandboxStart },
};

const base = join(import.meta.dirname, quick ? "results.quick" : "results");
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
