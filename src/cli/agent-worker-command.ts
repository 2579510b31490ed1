import { TASK_MARKER } from "../process/marked-processes.js";
import { startAgentWorker } from "../session/agent-worker.js";

/**
 * `lanes agent-worker SPEC` (hidden): the process behind an agent task, started by agent_run. It owns its
 * signals: TERM (kill_background, the parent's shutdown) stops the model at once and ends its own tasks
 * before its parent's KILL would land; its report goes to stdout, which is the task's log.
 */
export async function runAgentWorkerCommand(specFile: string): Promise<number> {
  const id = process.env[TASK_MARKER];
  if (id === undefined) {
    process.stderr.write("lanes agent-worker: only agent_run starts this (no task id)\n");
    return 2;
  }
  const worker = startAgentWorker(specFile, id, {
    stdin: process.stdin,
    write: (text) => void process.stdout.write(text),
    env: process.env,
    ownerPid: process.pid,
  });
  const onSignal = (signal: NodeJS.Signals): void => {
    void worker.stop().finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
  };
  for (const signal of ["SIGTERM", "SIGHUP", "SIGINT"] as const) process.once(signal, onSignal);
  const code = await worker.done;
  // The stdin reader would keep the event loop alive: the agent is done.
  process.stdin.destroy();
  return code;
}
