import { readFileSync } from "node:fs";
import { constants as osConstants } from "node:os";

/** The code the exit-file wrapper wrote for its command, or null when it wrote none (yet). */
export function readExitCode(file: string): number | null {
  try {
    const text = readFileSync(file, "utf8").trim();
    return /^\d+$/.test(text) ? Number(text) : null;
  } catch {
    return null;
  }
}

/**
 * What a written exit code says ended the command. After a signal reached its group (lanes' kill, or its
 * leader died of one), a shell's 128 + N is that signal N; otherwise the command chose its code: the truth.
 */
export function exitCodeEnd(
  code: number,
  signalled: boolean,
): { exitCode: number | null; signal: NodeJS.Signals | null } {
  if (!signalled || code <= 128) return { exitCode: code, signal: null };
  const signal = Object.entries(osConstants.signals).find(([, number]) => number === code - 128)?.[0];
  return signal === undefined
    ? { exitCode: code, signal: null }
    : { exitCode: null, signal: signal as NodeJS.Signals };
}
