import { existsSync } from "node:fs";
import { delay } from "../async/delay.js";
import { exitCodeEnd, readWrittenExit } from "./exit-file.js";
import { sweepGroupAfterExit } from "./kill-group.js";
import { drained } from "./output-mirror.js";
import type { ProcessResult } from "./process-result.js";
import type { LeaderProcess } from "./served-leader.js";
import type { SpawnedGroup } from "./spawn-in-group.js";
import type { Termination } from "./terminate-once.js";

export interface GroupResultOptions {
  spawned: SpawnedGroup;
  termination: Termination;
  startedAt: number;
  graceMs: number;
  timeoutMs?: number | undefined;
  /** Cancels the timeout: aborted here when the leader ends, by the owner when it no longer applies. */
  timeout: AbortController;
  keepGroupOnExit?: boolean | undefined;
  /** The exit-code file the wrapper writes (see spawn-in-group.ts). */
  exitFile?: string | undefined;
  /** Where the command runs: named when it is missing (spawn says only "spawn /usr/bin/perl ENOENT"). */
  cwd?: string | undefined;
}

/** A spawn's error in words: a folder that is gone is named, as the fork server's launcher names it. */
function spawnError(error: NodeJS.ErrnoException, cwd: string | undefined): string {
  if (error.code === "ENOENT" && cwd !== undefined && !existsSync(cwd))
    return `cannot enter ${cwd}: No such file or directory`;
  return error.message;
}

type LeaderEnd = { exitCode: number | null; signal: NodeJS.Signals | null; error?: string };

/**
 * The group's flat result: the leader's exit (or its spawn error) races nothing but itself, while the timeout
 * is a self-cleaning side promise that asks the termination to end the group. The first cause is kept, and a
 * termination under way says which signal really ended the group, and when.
 */
export async function groupResult(options: GroupResultOptions): Promise<ProcessResult> {
  const { spawned, termination } = options;
  const { child } = spawned;
  if (child && options.timeoutMs !== undefined)
    void delay(options.timeoutMs, options.timeout.signal).then((due) => {
      if (due) void termination.terminate("timeout");
    });
  const end: LeaderEnd =
    !child || spawned.error
      ? { exitCode: null, signal: null, error: spawned.error ?? "spawn failed" }
      : await leaderEnd(child, options);
  return finish(end, options);
}

/** The leader's exit or its error event, whichever comes first. */
function leaderEnd(child: LeaderProcess, options: GroupResultOptions): Promise<LeaderEnd> {
  return new Promise((resolve) => {
    child.once("error", (error) =>
      resolve({ exitCode: null, signal: null, error: spawnError(error, options.cwd) }),
    );
    child.once("exit", (exitCode, signal) => {
      options.termination.markReaped();
      // The leader is gone; whatever it left running in its group (`cmd &`) goes with it. A termination
      // already under way ends the rest itself (and knows which signal did it).
      const pid = child.pid;
      if (pid !== undefined && !options.keepGroupOnExit && !options.termination.ending)
        sweepGroupAfterExit(pid, options.graceMs);
      resolve({ exitCode, signal });
    });
  });
}

async function finish(end: LeaderEnd, options: GroupResultOptions): Promise<ProcessResult> {
  const { spawned, termination, startedAt } = options;
  options.timeout.abort();
  spawned.release?.();
  let endedAt = Date.now();
  let signal = end.signal;
  if (spawned.mirrored) await drained(spawned.mirrored, spawned.readers);
  const outcome = termination.ending && (await termination.ending);
  let exitCode = end.exitCode;
  // Read after the group ended: the wrapper outlives a TERM and writes the code that really ended the command.
  const written = options.exitFile && !end.error ? readWrittenExit(options.exitFile) : null;
  if (written !== null) {
    const signalled = termination.ending !== undefined || signal !== null || written.signalled;
    ({ exitCode, signal } = exitCodeEnd(written.code, signalled, outcome ? outcome.shellIdle : false));
    if (outcome) endedAt = Math.max(endedAt, outcome.at);
  } else if (outcome?.signal) {
    // The leader (the wrapper shell) dies at the TERM; a command ignoring it lived on until the KILL.
    endedAt = Math.max(endedAt, outcome.at);
    if (outcome.signal === "SIGKILL") signal = "SIGKILL";
  }
  const result: ProcessResult = {
    exitCode,
    signal,
    reason: end.error ? "spawn_error" : (termination.reason ?? "exit"),
    startedAt,
    endedAt,
    durationMs: endedAt - startedAt,
  };
  if (end.error) result.error = end.error;
  return result;
}
