// The worker's code as one CommonJS bundle (dist/agent-worker.cjs), run by agent-worker-loader.ts.
export { runAgentWorker } from "./agent-worker-run.js";
