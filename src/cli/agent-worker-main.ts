import { runAgentWorker } from "./agent-worker-run.js";

// The worker's entry when run from source (tsx); the built one is agent-worker-loader.ts over a bundle.
process.exitCode = await runAgentWorker(process.argv.slice(2));
