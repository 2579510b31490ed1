import { spawn } from "node:child_process";
import { closeSync } from "node:fs";
import type { Readable } from "node:stream";
import { commandPlan } from "./command-plan.js";
import { ENDING_VARIABLE, endingMarkerOf } from "./ending-marker.js";
import type { LaunchWrapper } from "./launch-wrapper.js";
import { ownGroupLaunch } from "./own-group-launch.js";
import { mirrorPipe, type OutputMirror } from "./output-mirror.js";
import type { LeaderProcess } from "./served-leader.js";
import { servedLaunch, serverAhead, type ForkServerSource } from "./served-launch.js";
import { closeParentCopies, EXIT_FD, planStdio, type StdioPlan } from "./stdio-plan.js";

export interface SpawnInGroupOptions {
  command: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  outputFile: string;
  exitFile?: string | undefined;
  mirror?: OutputMirror | undefined;
  stdin: "pipe" | "ignore" | "inherit";
  sandbox?: LaunchWrapper | undefined;
  /** End the group when lanes dies, even by SIGKILL, after this grace (a parent-death watch). */
  endWithLanes?: { graceMs: number } | undefined;
  /** The warm perl that forks launchers (fork-server.ts); absent, or unable: a perl is spawned per command. */
  forkServer?: ForkServerSource | undefined;
}

/** A spawned group leader, or why it could not be started (as data: never thrown into the runtime). */
export interface SpawnedGroup {
  child: LeaderProcess | undefined;
  error: string | undefined;
  /** The mirror's readers (an attached command); the result waits briefly for them to drain. */
  readers: Readable[];
  /** Settles once the mirror has copied both pipes into the log and closed it. */
  mirrored: Promise<void> | undefined;
  /** The sandbox's mount points, released once the command has exited (or failed to start). */
  release: (() => void) | undefined;
}

/** Spawns `/bin/sh -c command` (wrapped by the sandbox) as the leader of a new process group. */
export function spawnInGroup(options: SpawnInGroupOptions): SpawnedGroup {
  const spawned: SpawnedGroup = {
    child: undefined,
    error: undefined,
    readers: [],
    mirrored: undefined,
    release: undefined,
  };
  let stdio: StdioPlan | undefined;
  let logHandedOver = false;
  try {
    const recordExitCode = options.exitFile !== undefined;
    if (options.sandbox) serverAhead(options);
    // Where lanes marks the command as ended by it, before its TERM (ending-marker.ts).
    const env =
      options.exitFile === undefined
        ? options.env
        : { ...options.env, [ENDING_VARIABLE]: endingMarkerOf(options.exitFile) };
    const { plan, launch: extra } = commandPlan(
      options.command,
      env,
      recordExitCode,
      options.sandbox,
      options.cwd,
    );
    spawned.release = plan.release;
    // The sandbox wraps the shell first; the group launcher then makes a group of whatever the plan starts.
    const launch = ownGroupLaunch(plan.file, plan.args, plan.env, {
      ...extra,
      namespaces: plan.namespaces,
      sandboxCwd: plan.sandboxCwd,
      endWithOwner: options.endWithLanes,
    });
    const served = servedLaunch(options, launch);
    if (served) {
      spawned.child = served;
      plan.spawned?.(served.pid);
      return spawned;
    }
    stdio = planStdio(options);
    if (stdio.exitFd !== undefined && stdio.stdio.length !== EXIT_FD + 1)
      throw new Error("exit descriptor misplaced");
    const child = spawn(launch.file, launch.args, {
      cwd: options.cwd,
      env: launch.env,
      detached: launch.detached,
      stdio: stdio.stdio,
    });
    spawned.child = child;
    if (child.pid !== undefined) plan.spawned?.(child.pid);
    spawned.readers = stdio.nodePipes
      ? [child.stdout, child.stderr].filter((pipe) => pipe !== null)
      : stdio.pipes.map((pipe) => pipe.reader);
    const [outReader, errReader] = spawned.readers;
    if (options.mirror && outReader && errReader) {
      const { logFd } = stdio;
      spawned.mirrored = Promise.all([
        mirrorPipe(outReader, logFd, options.mirror.stdout),
        mirrorPipe(errReader, logFd, options.mirror.stderr),
      ]).then(() => closeSync(logFd));
      logHandedOver = true;
    }
  } catch (error) {
    spawned.error = (error as Error).message;
    for (const pipe of stdio?.pipes ?? []) pipe.reader.destroy();
  } finally {
    if (stdio) closeParentCopies(stdio, logHandedOver);
  }
  return spawned;
}
