import type { Writable } from "node:stream";
import { groupResult } from "./group-result.js";
import type { LaunchWrapper } from "./launch-wrapper.js";
import type { OutputMirror } from "./output-mirror.js";
import type { ProcessResult, TerminationReason } from "./process-result.js";
import type { ForkServerSource } from "./served-launch.js";
import { spawnInGroup } from "./spawn-in-group.js";
import { terminateOnce } from "./terminate-once.js";

export interface GroupProcessOptions {
  command: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** stdout and stderr both go straight to this file: true interleaving, no bytes pass through lanes. */
  outputFile: string;
  /**
   * An attached command (`lanes run`): its stdout and stderr come through pipes, shown apart on these streams
   * and appended to the log in arrival order. `exited` then waits for the pipes to drain (briefly, see below).
   */
  mirror?: OutputMirror | undefined;
  /**
   * "pipe" keeps stdin open for send_background_input; "ignore" gives the command /dev/null; "inherit" gives
   * it lanes' own (an attached `lanes run`: the user types to the command, or pipes into it).
   */
  stdin: "pipe" | "ignore" | "inherit";
  /** When set, a wrapper shell writes the exit code here, so it survives a crash of lanes. */
  exitFile?: string | undefined;
  timeoutMs?: number | undefined;
  /** Time between TERM and KILL. */
  killGraceMs?: number | undefined;
  /** Leave what the leader started (`cmd &`) running when it exits; the caller decides its fate. */
  keepGroupOnExit?: boolean | undefined;
  /** Wraps the launch (the OS sandbox). Absent: the command runs as lanes does. */
  sandbox?: LaunchWrapper | undefined;
  /** The group is ended when lanes dies, even by SIGKILL (a parent-death watch; see own-group-launch.ts). */
  endWithLanes?: boolean | undefined;
  /** Where a launch is forked from a warm perl instead of spawned (see fork-server.ts). */
  forkServer?: ForkServerSource | undefined;
}

export interface GroupProcess {
  readonly pid: number | undefined;
  readonly stdin: Writable | null;
  readonly exited: Promise<ProcessResult>;
  /**
   * Ends the whole process group (TERM, then KILL after the grace period). The first reason is kept, and
   * `exited` then reports the signal that really ended the group (KILL when TERM was ignored) and when.
   */
  terminate(reason: TerminationReason): Promise<void>;
  /** Cancels the timeout (the process was handed to a lane that has its own). */
  clearTimeout(): void;
  /** Stops this process from keeping lanes alive (a persisted task that outlives it); closes its stdin. */
  release(): void;
}

export const DEFAULT_KILL_GRACE_MS = 2_000;

/**
 * Spawns `/bin/sh -c command` as the leader of a new process group (see own-group-launch.ts), output appended
 * to a file. Its parts: the stdio plan, the spawn in a group, terminate-once, and the result (group-result.ts).
 */
export function startGroupProcess(options: GroupProcessOptions): GroupProcess {
  const graceMs = options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  const startedAt = Date.now();
  const { endWithLanes, ...spawnOptions } = options;
  const spawned = spawnInGroup({ ...spawnOptions, endWithLanes: endWithLanes ? { graceMs } : undefined });
  const { child } = spawned;
  const termination = terminateOnce(child?.pid, graceMs, options.exitFile);
  const timeout = new AbortController();
  const exited = groupResult({ ...options, spawned, termination, startedAt, graceMs, timeout });
  const stdin = child?.stdin ?? null;
  // A command that exits without reading its input must not crash lanes with EPIPE.
  stdin?.on("error", () => {});
  const release = (): void => {
    // A released (persisted) process outlives lanes: no timer of ours may keep lanes alive, or kill it later.
    timeout.abort();
    stdin?.destroy();
    child?.unref();
  };
  return {
    pid: child?.pid,
    stdin,
    exited,
    terminate: (why) => termination.terminate(why),
    clearTimeout: () => timeout.abort(),
    release,
  };
}
