import { constants } from "node:os";

export interface Stopper {
  /** Starts the cleanup once, whatever asks first; later calls wait for the same cleanup. */
  stop(reason: string, exitCode?: number): Promise<void>;
  /** Resolves with the exit code once the cleanup finished. */
  done: Promise<number>;
}

const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/**
 * Runs `cleanup` when the client goes away (stdin ends or closes) or a signal arrives. The SDK's stdio
 * transport does not watch for the end of stdin itself, so a client that just exits would leave us running.
 * Signal handlers stay installed during the cleanup: the SDK's client follows a closed stdin with TERM after
 * 2 s, and that must not cut our own TERM-then-KILL of the tasks short.
 */
export function stopOnHangup(
  cleanup: () => Promise<void>,
  log: (line: string) => void = () => {},
  stdin: NodeJS.ReadableStream = process.stdin,
): Stopper {
  let finish: (code: number) => void = () => {};
  const done = new Promise<number>((resolve) => (finish = resolve));
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
  for (const signal of SIGNALS) {
    process.on(signal, () => void stop(`received ${signal}`, 128 + constants.signals[signal]));
  }
  return { stop, done };
}
