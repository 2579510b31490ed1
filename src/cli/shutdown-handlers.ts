import { shellExitStatus } from "../process/process-result.js";

/** What ends a runtime's tasks: gracefully on a signal, at once on exit (LaneManager has both). */
export interface ShutdownTarget {
  shutdown(): Promise<void>;
  shutdownSync(): void;
}

/**
 * Whatever way lanes ends (SIGTERM, SIGHUP, normal exit), every task it started ends with it: TERM, KILL
 * after 2 s, records written `killed`. Returns a function that removes the handlers.
 */
export function installShutdownHandlers(
  lanes: ShutdownTarget,
  onSignal?: (signal: NodeJS.Signals) => void,
): () => void {
  const handle = (signal: NodeJS.Signals): void => {
    onSignal?.(signal);
    void lanes.shutdown().finally(() => process.exit(shellExitStatus(null, signal)));
  };
  const onExit = (): void => lanes.shutdownSync();
  process.once("SIGTERM", handle);
  process.once("SIGHUP", handle);
  process.once("exit", onExit);
  return () => {
    process.off("SIGTERM", handle);
    process.off("SIGHUP", handle);
    process.off("exit", onExit);
  };
}
