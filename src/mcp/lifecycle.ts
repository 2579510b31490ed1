import { shellExitStatus } from "../process/process-result.js";
import { deferred } from "../async/deferred.js";

export interface Stopper {
  /** Starts the cleanup once, whatever asks first; later calls wait for the same cleanup. */
  stop(reason: string, exitCode?: number): Promise<void>;
  /** Resolves with the exit code once the cleanup finished. */
  done: Promise<number>;
  /** The CLI forwards SIGINT, SIGTERM and SIGHUP here (it owns the process's signals). */
  onSignal(signal: NodeJS.Signals): void;
}

/** The signals that stop the server; the CLI subscribes to these. */
export const STOP_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/**
 * Runs `cleanup` when the client goes away (stdin ends or closes) or a signal is forwarded (onSignal). The SDK's stdio
 * transport does not watch for the end of stdin itself, so a client that just exits would leave us running.
 *
 * A signal that arrives while the cleanup runs means the client will not wait for it: Claude Code sends
 * INT, TERM 100 ms later and KILL 400 ms after that, well inside the TERM-to-KILL grace of the tasks. Then
 * `escalate` runs (synchronous: KILL every task group at once, write the records) and we exit, so a task
 * that ignores TERM is not left running when the client's KILL lands.
 */
export function stopOnHangup(
  cleanup: () => Promise<void>,
  log: (line: string) => void = () => {},
  stdin: NodeJS.ReadableStream,
  escalate: () => void | Promise<void> = () => {},
): Stopper {
  const { promise: done, resolve: finish } = deferred<number>();
  let running: Promise<void> | undefined;
  const stop = (reason: string, exitCode = 0): Promise<void> => {
    running ??= (async () => {
      log(`stopping: ${reason}`);
      try {
        await cleanup();
      } catch (error) {
        log(`cleanup failed: ${(error as Error).message}`);
      }
      finish(exitCode);
    })();
    return running;
  };
  const onEnd = (): void => void stop("stdin closed");
  stdin.once("end", onEnd);
  stdin.once("close", onEnd);
  let escalated = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    const exitCode = shellExitStatus(null, signal);
    if (running === undefined) return void stop(`received ${signal}`, exitCode);
    if (escalated) return;
    escalated = true;
    log(`received ${signal} while stopping: ending every task group now`);
    void (async () => {
      try {
        await escalate();
      } catch (error) {
        log(`could not end the tasks: ${(error as Error).message}`);
      }
      finish(exitCode);
    })();
  };
  return { stop, done, onSignal };
}
