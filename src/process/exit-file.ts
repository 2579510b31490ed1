import { readFileSync } from "node:fs";
import { constants as osConstants } from "node:os";

/**
 * What the exit-file wrapper wrote: the command's code (128 + N for signal N, as a shell's $?), and whether the
 * command's shell died of that signal itself (`kill -9 $$`, written `137 signal`), which only the wait status
 * tells otherwise: a lanes that was not watching (it crashed, or its fork server died) has no wait status.
 */
export interface WrittenExit {
  code: number;
  signalled: boolean;
}

/** The file's last line is the record; lines before it are what the sandbox's wrapper shell printed meanwhile. */
export function readWrittenExit(file: string): WrittenExit | null {
  try {
    const match = /(?:^|\n)(\d+)( signal)?\n?$/.exec(readFileSync(file, "utf8"));
    return match === null ? null : { code: Number(match[1]), signalled: match[2] !== undefined };
  } catch {
    return null;
  }
}

/** The code the exit-file wrapper wrote for its command, or null when it wrote none (yet). */
export function readExitCode(file: string): number | null {
  return readWrittenExit(file)?.code ?? null;
}

/**
 * What a written exit code says ended the command. After a signal reached its group (lanes' kill, or its
 * leader died of one), a shell's 128 + N is that signal N; otherwise the command chose its code: the truth.
 */
export function exitCodeEnd(
  code: number,
  signalled: boolean,
  shellIdle = false,
): { exitCode: number | null; signal: NodeJS.Signals | null } {
  // lanes' TERM found the command's shell between two commands: the code is the previous command's, not an end.
  if (shellIdle && code <= 128) return { exitCode: null, signal: "SIGTERM" };
  if (!signalled || code <= 128) return { exitCode: code, signal: null };
  const signal = Object.entries(osConstants.signals).find(([, number]) => number === code - 128)?.[0];
  return signal === undefined
    ? { exitCode: code, signal: null }
    : { exitCode: null, signal: signal as NodeJS.Signals };
}
