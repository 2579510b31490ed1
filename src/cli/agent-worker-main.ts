import { runAgentWorkerCommand } from "./agent-worker-command.js";

// The worker's own entry (dist/agent-worker.js): no commander, no REPL, no MCP, no other command's code, so
// each agent starts faster and holds less memory. Called as `agent-worker SPEC`, the same words as lanes'.
const [command, spec] = process.argv.slice(2);
if (command !== "agent-worker" || spec === undefined) {
  process.stderr.write("usage: agent-worker SPEC (only agent_run starts this)\n");
  process.exitCode = 2;
} else {
  // Output into a closed pipe ends quietly, as in lanes itself.
  for (const stream of [process.stdout, process.stderr])
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EPIPE") throw error;
    });
  process.exitCode = await runAgentWorkerCommand(spec);
}
