import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { lanesCacheDir } from "../config/cache-dir.js";
import { loadCachedBundle } from "../startup/code-cache.js";
import type { runAgentWorker } from "./agent-worker-run.js";

/** A worker's first request and tool call are over by then on a quiet machine; an agent may run for hours. */
const SAVE_AFTER_MS = 3000;

// The worker's own entry (dist/agent-worker-start.cjs): no commander, no REPL, no MCP, no other command's code,
// so each agent starts faster and holds less memory. Its code is compiled from V8's cache after the first start.
// CommonJS, one file: node's ESM loader and the chunk files an ESM entry imports cost a start ~40-90 ms of CPU
// (10 starts each, alternating, load 48).
async function main(): Promise<void> {
  const bundle = loadCachedBundle<{ runAgentWorker: typeof runAgentWorker }>(
    join(dirname(fileURLToPath(import.meta.url)), "agent-worker.cjs"),
    process.env.LANES_CODE_CACHE === "0" ? undefined : lanesCacheDir(process.env),
  );
  // Once its first turns ran (or at its end if sooner), so the SDK's request and the tools are in the cache too.
  setTimeout(() => bundle.save(), SAVE_AFTER_MS).unref();
  process.exitCode = await bundle.exports.runAgentWorker(process.argv.slice(2));
  bundle.save();
}

// No top-level await in CommonJS; a failure still ends the process as an uncaught error.
void main();
