import { spawn, type ChildProcess } from "node:child_process";
import { closeSync } from "node:fs";
import type { Readable } from "node:stream";
import type { LaunchWrapper, SpawnPlan } from "./launch-wrapper.js";
import { ownGroupLaunch } from "./own-group-launch.js";
import { mirrorPipe, type OutputMirror } from "./output-mirror.js";
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
}

/** A spawned group leader, or why it could not be started (as data: never thrown into the runtime). */
export interface SpawnedGroup {
  child: ChildProcess | undefined;
  error: string | undefined;
  /** The mirror's readers (an attached command); the result waits briefly for them to drain. */
  readers: Readable[];
  /** Settles once the mirror has copied both pipes into the log and closed it. */
  mirrored: Promise<void> | undefined;
  /** The sandbox's mount points, released once the command has exited (or failed to start). */
  release: (() => void) | undefined;
}

// The command runs in a subshell so `exit N` (or `exec`) inside it still lets the wrapper record N. Builtins
// only: no extra exec per task. The wrapper's own argument is shifted away, so the command sees $# = 0 and
// $0 = sh, as it would under a plain `sh -c`. The exit code goes to descriptor 3, opened by lanes on the exit
// file: inside the sandbox `.lanes/` is read-only, and the command itself never gets the descriptor (3>&-).
// The wrapper catches TERM/INT/HUP (traps run only after the command ends) so a group kill cannot end it
// before the command: a command that ignores TERM and exits 7 is recorded 7. The command gets the signals
// back; one that died of the signal the wrapper got has it raised again, so the leader dies of it as before.
// The subshell that runs the command line stops at the signal too, but only once its foreground program has
// ended, with that program's code: `sh script` whose script ignores TERM and exits 3 is recorded 3 (dash
// forks even for a lone command, so a subshell dying of TERM at once would record 143 for it). Its programs
// get the default action back at exec, as a caught signal's always is.
const EXIT_FILE_WRAPPER = [
  "__lanes_s=; trap __lanes_s=TERM TERM; trap __lanes_s=INT INT; trap __lanes_s=HUP HUP",
  "__lanes_cmd=$1; shift; (trap 'exit $?' TERM INT HUP; eval \"$__lanes_cmd\") 3>&-; __lanes_c=$?",
  'printf "%s\\n" "$__lanes_c" >&3',
  'if [ -n "$__lanes_s" ] && [ "$__lanes_c" -gt 128 ]; then trap - "$__lanes_s"; kill -s "$__lanes_s" $$; fi',
  "exit $__lanes_c",
].join("; ");

/** Spawns `/bin/sh -c command` (wrapped by the sandbox) as the leader of a new process group. */
export function spawnInGroup(options: SpawnInGroupOptions): SpawnedGroup {
  const args = options.exitFile ? ["-c", EXIT_FILE_WRAPPER, "sh", options.command] : ["-c", options.command];
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
    let plan: SpawnPlan = { file: "/bin/sh", args, env: options.env };
    if (options.sandbox) plan = options.sandbox.wrap(plan, options.cwd);
    spawned.release = plan.release;
    stdio = planStdio(options);
    if (stdio.exitFd !== undefined && stdio.stdio.length !== EXIT_FD + 1)
      throw new Error("exit descriptor misplaced");
    // The sandbox wraps the shell first; the group launcher then makes a group of whatever the plan starts.
    const launch = ownGroupLaunch(plan.file, plan.args, plan.env, plan.namespaces, options.endWithLanes);
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
