import { laneManagerOptions } from "../config/lane-options.js";
import type { LanesConfig } from "../config/config.js";
import { displayPath } from "../lanes/format.js";
import { LaneManager } from "../lanes/lane-manager.js";
import { assertCommandAllowed } from "../tools/guard-check.js";
import { showLogs } from "./tasks-command.js";

/**
 * `lanes run [--detach] CMD`: a tracked task started from the shell. Detached, it is persisted and
 * outlives this process (dev servers): listed by `lanes tasks`, ended by `lanes tasks kill`.
 * Attached, its output is followed and lanes exits with its exit code.
 */
export async function runCommand(options: {
  workspace: string;
  config: LanesConfig;
  command: string;
  detach: boolean;
}): Promise<number> {
  assertCommandAllowed(options.command);
  // Started from a shell, not watched by a model: a stall notice would reach nobody.
  const lanes = new LaneManager({ ...laneManagerOptions(options.workspace, options.config), stallMs: 0 });
  const record = lanes.start({
    command: options.command,
    persist: options.detach,
    description: "started with lanes run",
  });
  await lanes.flush();
  if (options.detach) {
    await lanes.shutdown();
    process.stdout.write(
      `${record.id}  started (persisted): ${record.command}\n  log: ${displayPath(options.workspace, record.output_file)}\n  stop it with: lanes tasks kill ${record.id}\n`,
    );
    return 0;
  }
  const stopOnSignal = (): void => void lanes.kill(record.id);
  process.once("SIGINT", stopOnSignal);
  process.once("SIGTERM", stopOnSignal);
  const [final] = await Promise.all([
    lanes.whenEnded(record.id),
    showLogs(options.workspace, record.id, true, (text) => void process.stdout.write(text)),
  ]);
  lanes.markDelivered([record.id]);
  await lanes.flush();
  process.off("SIGINT", stopOnSignal);
  process.off("SIGTERM", stopOnSignal);
  return final.exit_code ?? 1;
}
