import { runAgentWorkerCommand } from "./agent-worker-command.js";
import { useLightHttp } from "./agent-worker-http.js";

/** The worker's run from its arguments (`agent-worker SPEC`, the same words as lanes'): its exit status. */
export async function runAgentWorker(args: string[]): Promise<number> {
  const [command, spec] = args;
  if (command !== "agent-worker" || spec === undefined) {
    process.stderr.write("usage: agent-worker SPEC (only agent_run starts this)\n");
    return 2;
  }
  // Output into a closed pipe ends quietly, as in lanes itself.
  for (const stream of [process.stdout, process.stderr])
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EPIPE") throw error;
    });
  useLightHttp();
  return runAgentWorkerCommand(spec);
}
