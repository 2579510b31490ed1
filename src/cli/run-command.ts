import { shellExitStatus } from "../process/process-result.js";
import { stderrLine } from "./stderr-line.js";
import { laneManagerOptions } from "../session/lane-options.js";
import type { LanesConfig } from "../config/config.js";
import { displayPath } from "../present/task-text.js";
import { LaneManager } from "../lanes/lane-manager.js";
import { assertCommandAllowed } from "../tools/guard-check.js";
import { queuedLine } from "../present/task-text.js";
import { stderrAfterStop } from "./stopped-stderr.js";
import { killRequested } from "../lanes/kill-request.js";
import { readStore } from "../lanes/stored-tasks.js";

const DETACHED_NETWORK_OFF =
  'off (the filtering proxy of sandbox_network ends with this lanes; a detached task that needs the network needs sandbox_network "on")';

/**
 * `lanes run [--detach] CMD`: a tracked task started from the shell. Detached, it is persisted and
 * outlives this process (dev servers): listed by `lanes tasks`, ended by `lanes tasks kill`.
 * Attached, its stdout and stderr are shown on lanes' own as they come (and kept in the task's log), and lanes
 * exits with its exit code.
 */
export async function runCommand(options: {
  workspace: string;
  config: LanesConfig;
  command: string;
  detach: boolean;
}): Promise<number> {
  assertCommandAllowed(options.command);
  // A detached task outlives this process, and with it the filtering proxy of a domain list: it gets no network
  // (said below) rather than a proxy folder that vanishes while bubblewrap is still mounting it.
  const proxyLost =
    options.detach &&
    options.config.sandbox !== "danger-full-access" &&
    Array.isArray(options.config.sandbox_network);
  const config: LanesConfig = proxyLost ? { ...options.config, sandbox_network: "off" } : options.config;
  // Started from a shell, not watched by a model: a stall notice would reach nobody.
  const lanes = new LaneManager({
    ...laneManagerOptions(options.workspace, config, process.env, stderrLine, process.pid),
    stallMs: 0,
  });
  // The sandbox's proxy folder and mount points go with this process however it exits.
  process.once("exit", () => lanes.shutdownSync());
  let stoppedBy: NodeJS.Signals | undefined;
  // Stopped by the user here (a signal to lanes) or from another shell (lanes tasks kill's request file).
  const stopped = (id: string): boolean =>
    stoppedBy !== undefined || killRequested(readStore(options.workspace), id);
  const record = lanes.start({
    command: options.command,
    persist: options.detach,
    description: "started with lanes run",
    // Attached, the command's stdout and stderr are this process's, as if the shell had run it.
    mirror: options.detach
      ? undefined
      : { stdout: process.stdout, stderr: stderrAfterStop(process.stderr, () => stopped(record.id)) },
    inheritStdin: !options.detach,
  });
  await lanes.flush();
  if (options.detach) {
    // The shutdown lets the task enter the session's network namespace before its holder goes (sandbox.ts).
    await lanes.shutdown();
    const network = proxyLost ? `  network: ${DETACHED_NETWORK_OFF}\n` : "";
    process.stdout.write(
      `${record.id}  started (persisted): ${record.command}\n  log: ${displayPath(options.workspace, record.output_file)}\n${network}  follow it: lanes tasks logs ${record.id} -f\n  stop it: lanes tasks kill ${record.id}\n`,
    );
    return 0;
  }
  const stopOnSignal = (signal: NodeJS.Signals): void => {
    stoppedBy ??= signal;
    void lanes.kill(record.id);
  };
  process.once("SIGINT", stopOnSignal);
  process.once("SIGTERM", stopOnSignal);
  const wait = lanes.waitingFor(record.id);
  if (wait) process.stderr.write(`${queuedLine(wait)}\n`);
  // Queued behind another lanes' slot, nothing of ours is pending (the slot poll is unref'd): without this,
  // Node would end the process before the task even starts.
  const keepAlive = setInterval(() => {}, 60_000);
  const final = await lanes.whenEnded(record.id).finally(() => clearInterval(keepAlive));
  lanes.markDelivered([record.id]);
  await lanes.flush();
  process.off("SIGINT", stopOnSignal);
  process.off("SIGTERM", stopOnSignal);
  return shellExitStatus(final.exit_code, stoppedBy ?? final.signal);
}
