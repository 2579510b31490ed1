import type { LanesConfig } from "../config/config.js";
import { runMcpServer } from "../mcp/server.js";
import { shellExitStatus } from "../process/process-result.js";

const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/**
 * `lanes mcp` as a process: owns the signals and the exit. The first signal asks the server to stop (it
 * ends every task not persisted), a second one while it stops asks it to hurry; the exit status is the
 * shell's for the first signal (130, 143, 129), or 0 when the client went away.
 */
export async function runMcpCommand(workspace: string, config: LanesConfig): Promise<never> {
  // Anything printed by accident would corrupt the JSON-RPC stream; diagnostics belong on stderr.
  console.log = console.info = console.debug = console.error;
  const stop = new AbortController();
  const hurry = new AbortController();
  let stoppedBy: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    const reason = `received ${signal}`;
    if (stoppedBy === undefined) {
      stoppedBy = signal;
      stop.abort(reason);
    } else hurry.abort(reason);
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);
  const serving = await runMcpServer({
    workspace,
    config,
    env: process.env,
    ownerPid: process.pid,
    stopRequests: { stop: stop.signal, hurry: hurry.signal },
  });
  // Should anything end the process early, no task that is not persisted outlives it.
  process.once("exit", serving.endTasksNow);
  await serving.stopped;
  // Exit outright: a task left running on purpose (persist) must not keep this process alive.
  process.exit(stoppedBy === undefined ? 0 : shellExitStatus(null, stoppedBy));
}
