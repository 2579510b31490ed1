import { deferred } from "../async/deferred.js";
import type { ConnectionEnd } from "./line-transport.js";

/** How the process owner (the CLI, which holds the signals) asks the server to end. */
export interface StopRequests {
  /** Aborted to stop (its reason, a string, is logged); aborted while already stopping, it hurries. */
  stop?: AbortSignal;
  /** Aborted when asked again while stopping: end every task group now, do not wait for them. */
  hurry?: AbortSignal;
}

export interface Stopper {
  /** Starts the cleanup once, whatever asks first; later calls, re-entrant ones too, get the same run. */
  stop(reason: string): Promise<void>;
  /** Resolves once the cleanup (or the hurried end) finished. */
  done: Promise<void>;
}

/**
 * Runs `cleanup` once when the connection ends or the owner asks. A second request while the cleanup runs
 * means the client will not wait for it: Claude Code sends INT, TERM 100 ms later and KILL 400 ms after
 * that, well inside the TERM-to-KILL grace of the tasks. Then `escalate` runs (KILL every task group at
 * once, write the records) and `done` resolves, so a task that ignores TERM is not left running.
 */
export function createStopper(
  cleanup: () => Promise<void>,
  escalate: () => void | Promise<void>,
  log: (line: string) => void,
  requests: StopRequests = {},
): Stopper {
  const { promise: done, resolve: finish } = deferred<void>();
  let running: Promise<void> | undefined;
  let escalated = false;

  const stop = (reason: string): Promise<void> => {
    // Set before the cleanup starts: closing the server inside it calls back here (onclose).
    running ??= Promise.resolve().then(async () => {
      log(`stopping: ${reason}`);
      try {
        await cleanup();
      } catch (error) {
        log(`cleanup failed: ${(error as Error).message}`);
      }
      finish();
    });
    return running;
  };
  const hurry = (reason: string): void => {
    if (escalated) return;
    escalated = true;
    log(`${reason} while stopping: ending every task group now`);
    void (async () => {
      try {
        await escalate();
      } catch (error) {
        log(`could not end the tasks: ${(error as Error).message}`);
      }
      finish();
    })();
  };

  const reasonOf = (signal: AbortSignal): string =>
    typeof signal.reason === "string" ? signal.reason : "asked to stop";
  const { stop: stopSignal, hurry: hurrySignal } = requests;
  if (stopSignal?.aborted) void stop(reasonOf(stopSignal));
  stopSignal?.addEventListener(
    "abort",
    () => (running === undefined ? void stop(reasonOf(stopSignal)) : hurry(reasonOf(stopSignal))),
    { once: true },
  );
  hurrySignal?.addEventListener("abort", () => hurry(reasonOf(hurrySignal)), { once: true });
  return { stop, done };
}

/** The log's words for how a connection ended. */
export function connectionEndReason(end: ConnectionEnd | undefined): string {
  if (end?.by === "stdin-end") return "stdin closed";
  if (end?.by === "stdout-error") return `stdout closed (${end.code ?? "write failed"}): the client is gone`;
  return "the connection closed";
}
