import type { LaunchWrapper } from "../process/launch-wrapper.js";
import type { EscapeSweeper } from "./escape-sweeper.js";
import type { ForegroundHolds } from "./foreground-holds.js";
import type { LaneSlots } from "./lane-slots.js";
import type { OutputWatcher } from "./output-watcher.js";
import type { RemoteRuntime } from "./remote-runtime.js";
import { isTerminal } from "./task-record.js";
import type { TaskRegistry } from "./task-registry.js";
import type { TaskStore } from "./task-store.js";

/** The manager's parts a shutdown ends: its tasks, foreground commands, slots, watch and sandbox. */
export interface ShutdownParts {
  registry: TaskRegistry;
  slots: LaneSlots;
  foreground: ForegroundHolds;
  sweeper: EscapeSweeper;
  watcher: OutputWatcher;
  store: TaskStore;
  kill(id: string): Promise<unknown>;
  sandbox: LaunchWrapper | undefined;
  remote: RemoteRuntime | undefined;
  /** The fork server tasks were launched from; closed once they ended (persisted ones run on). */
  forkServer?: { close(): void } | undefined;
}

const REMOTE_SETTLE_MS = 5_000;

/** What a shutdown closes last, after the tasks: the sandbox's holder, remote connections, the fork server. */
export function pickEnds(
  from: { sandbox?: LaunchWrapper | undefined; remote?: RemoteRuntime | undefined },
  runner?: { forkServer: { close(): void } },
): Pick<ShutdownParts, "sandbox" | "remote" | "forkServer"> {
  return { sandbox: from.sandbox, remote: from.remote, forkServer: runner?.forkServer };
}

/** TERM then KILL every running task that is not persisted, record it killed at shutdown, close the rest. */
export async function shutdownGracefully(parts: ShutdownParts): Promise<void> {
  parts.slots.stop();
  const live = parts.registry.all().filter((t) => !isTerminal(t.record.status));
  for (const task of live) if (task.record.persist) task.handle?.release();
  const victims = live.filter((task) => !task.record.persist);
  const [foreground] = await Promise.all([
    parts.foreground.terminateAll(),
    ...victims.map((task) => parts.kill(task.record.id)),
  ]);
  parts.sweeper.final(foreground);
  await parts.registry.flush();
  for (const task of victims) parts.store.saveSync(task.record);
  parts.watcher.stop();
  // A delivered remote task's host copy is removed by a call still running now: let it finish first.
  await parts.remote?.settle?.(REMOTE_SETTLE_MS);
  parts.forkServer?.close();
  parts.sandbox?.close?.();
  parts.remote?.close?.();
}

/** At process exit (no event loop left): KILL at once and write the records synchronously. */
export function shutdownNow(parts: ShutdownParts): void {
  parts.slots.stop();
  const killed: string[] = [];
  for (const task of parts.registry.all()) {
    if (isTerminal(task.record.status) || task.record.persist) continue;
    task.handle?.killNow();
    const end = { status: "killed", exit_code: null, signal: "SIGKILL", end_reason: "shutdown" } as const;
    Object.assign(task.record, { ...end, ended_at: new Date().toISOString() });
    parts.store.saveSync(task.record);
    killed.push(task.record.id);
  }
  parts.sweeper.final([...killed, ...parts.foreground.killAllNow()]);
  parts.watcher.stop();
  parts.forkServer?.close();
  parts.sandbox?.close?.();
  parts.remote?.close?.();
}
