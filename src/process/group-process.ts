import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { dirname } from "node:path";
import { tmpdir } from "node:os";
import type { Readable, Writable } from "node:stream";
import { exitCodeEnd, readExitCode } from "./exit-file.js";
import { groupOf } from "./group-members.js";
import { LAZY_POLL_MS, terminateGroup, type TerminateOutcome } from "./kill-group.js";
import type { LaunchWrapper, SpawnPlan } from "./launch-wrapper.js";
import { ownGroupLaunch } from "./own-group-launch.js";
import { drained, mirrorPipe, openPipes, type MirrorPipe, type OutputMirror } from "./output-mirror.js";
import type { ProcessResult, TerminationReason } from "./process-result.js";

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
  mirror?: OutputMirror;
  /**
   * "pipe" keeps stdin open for send_background_input; "ignore" gives the command /dev/null; "inherit" gives
   * it lanes' own (an attached `lanes run`: the user types to the command, or pipes into it).
   */
  stdin: "pipe" | "ignore" | "inherit";
  /** When set, a wrapper shell writes the exit code here, so it survives a crash of lanes. */
  exitFile?: string;
  timeoutMs?: number;
  /** Time between TERM and KILL. */
  killGraceMs?: number;
  /** Leave what the leader started (`cmd &`) running when it exits; the caller decides its fate. */
  keepGroupOnExit?: boolean;
  /** Wraps the launch (the OS sandbox). Absent: the command runs as lanes does. */
  sandbox?: LaunchWrapper;
  /** The group is ended when lanes dies, even by SIGKILL (a parent-death watch; see own-group-launch.ts). */
  endWithLanes?: boolean;
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

// The command runs in a subshell so `exit N` (or `exec`) inside it still lets the wrapper record N. Builtins
// only: no extra exec per task. The wrapper's own argument is shifted away, so the command sees $# = 0 and
// $0 = sh, as it would under a plain `sh -c`. The exit code goes to descriptor 3, opened by lanes on the exit
// file: inside the sandbox `.lanes/` is read-only, and the command itself never gets the descriptor (3>&-).
// The wrapper catches TERM/INT/HUP (traps run only after the command ends) so a group kill cannot end it
// before the command: a command that ignores TERM and exits 7 is recorded 7. The command gets the signals
// back; one that died of the signal the wrapper got has it raised again, so the leader dies of it as before.
const EXIT_FILE_WRAPPER = [
  "__lanes_s=; trap __lanes_s=TERM TERM; trap __lanes_s=INT INT; trap __lanes_s=HUP HUP",
  '__lanes_cmd=$1; shift; (trap - TERM INT HUP; eval "$__lanes_cmd") 3>&-; __lanes_c=$?',
  'printf "%s\\n" "$__lanes_c" >&3',
  'if [ -n "$__lanes_s" ] && [ "$__lanes_c" -gt 128 ]; then trap - "$__lanes_s"; kill -s "$__lanes_s" $$; fi',
  "exit $__lanes_c",
].join("; ");
const EXIT_FD = 3;

export const DEFAULT_KILL_GRACE_MS = 2_000;

/** Spawns `/bin/sh -c command` as the leader of a new process group (see own-group-launch.ts), output appended to a file. */
export function startGroupProcess(options: GroupProcessOptions): GroupProcess {
  const graceMs = options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  const startedAt = Date.now();
  let reason: TerminationReason | undefined;
  let child: ChildProcess | undefined;
  let spawnError: string | undefined;

  const args = options.exitFile ? ["-c", EXIT_FILE_WRAPPER, "sh", options.command] : ["-c", options.command];
  // A log that cannot be opened (the workspace's .lanes/ deleted under it), or a sandbox that cannot start,
  // is a failed start reported as data like any spawn error: never an exception thrown into the runtime.
  let fd: number | undefined;
  let exitFd: number | undefined;
  let mirrored: Promise<void> | undefined;
  let pipes: MirrorPipe[] = [];
  let readers: Readable[] = [];
  let releaseSandbox: (() => void) | undefined;
  try {
    let plan: SpawnPlan = { file: "/bin/sh", args, env: options.env };
    if (options.sandbox) plan = options.sandbox.wrap(plan, options.cwd);
    releaseSandbox = plan.release;
    fd = openSync(options.outputFile, "a");
    if (options.exitFile) exitFd = openSync(options.exitFile, "w");
    if (options.mirror) pipes = openPipes([tmpdir(), dirname(options.outputFile)], 2) ?? [];
    // Without FIFOs anywhere, Node's own pipes: a closed reader then reads "Connection reset" to the command.
    const nodePipes = options.mirror !== undefined && pipes.length === 0;
    const [out, err] =
      pipes.length === 2 ? pipes.map((pipe) => pipe.writeFd) : nodePipes ? ["pipe", "pipe"] : [fd, fd];
    const stdio = [options.stdin, out, err, ...(exitFd === undefined ? [] : [exitFd])];
    if (exitFd !== undefined && stdio.length !== EXIT_FD + 1) throw new Error("exit descriptor misplaced");
    // The sandbox wraps the shell first; the group launcher then makes a group of whatever the plan starts.
    const endWithOwner = options.endWithLanes ? { graceMs } : undefined;
    const launch = ownGroupLaunch(plan.file, plan.args, plan.env, plan.namespaces, endWithOwner);
    child = spawn(launch.file, launch.args, {
      cwd: options.cwd,
      env: launch.env,
      detached: launch.detached,
      stdio: stdio as ("pipe" | "ignore" | "inherit" | number)[],
    });
    readers = nodePipes
      ? [child.stdout, child.stderr].filter((pipe) => pipe !== null)
      : pipes.map((p) => p.reader);
    const [outReader, errReader] = readers;
    if (options.mirror && outReader && errReader) {
      const logFd = fd;
      mirrored = Promise.all([
        mirrorPipe(outReader, logFd, options.mirror.stdout),
        mirrorPipe(errReader, logFd, options.mirror.stderr),
      ]).then(() => closeSync(logFd));
      fd = undefined;
    }
  } catch (error) {
    spawnError = (error as Error).message;
    for (const pipe of pipes) pipe.reader.destroy();
  } finally {
    if (fd !== undefined) closeSync(fd);
    if (exitFd !== undefined) closeSync(exitFd);
    // The command holds its own copies of the write ends; ours would keep the pipes from ever ending.
    for (const pipe of pipes) closeSync(pipe.writeFd);
  }

  const pid = child?.pid;
  let reaped = false;
  // The first termination: its outcome, not the leader's exit, says how and when the group ended.
  let ending: Promise<TerminateOutcome> | undefined;
  const terminate = async (why: TerminationReason): Promise<void> => {
    reason ??= why;
    if (pid === undefined) return;
    // In the first milliseconds the launcher may not have made its group yet (it does so after its exec), so
    // a group signal would find nothing: then the launcher is alone, and is signalled itself. Not once reaped,
    // when its pid may be another process's. Whatever it started by then goes with the group at its exit.
    const group = groupOf(pid);
    if (!reaped && group !== undefined && group !== pid) signalProcess(pid, "SIGTERM");
    const outcome = terminateGroup(pid, graceMs);
    ending ??= outcome;
    await outcome;
  };

  let timer: NodeJS.Timeout | undefined;
  const exited = new Promise<ProcessResult>((resolve) => {
    const finish = async (exitCode: number | null, signal: NodeJS.Signals | null, error?: string) => {
      clearTimeout(timer);
      releaseSandbox?.();
      releaseSandbox = undefined;
      let endedAt = Date.now();
      if (mirrored) await drained(mirrored, readers);
      const outcome = ending && (await ending);
      // Read after the group ended: the wrapper outlives a TERM and writes the code that really ended the command.
      const written = options.exitFile && !error ? readExitCode(options.exitFile) : null;
      if (written !== null) {
        ({ exitCode, signal } = exitCodeEnd(written, ending !== undefined || signal !== null));
        if (outcome) endedAt = Math.max(endedAt, outcome.at);
      } else if (outcome?.signal) {
        // The leader (the wrapper shell) dies at the TERM; a command ignoring it lived on until the KILL.
        endedAt = Math.max(endedAt, outcome.at);
        if (outcome.signal === "SIGKILL") signal = "SIGKILL";
      }
      const result: ProcessResult = {
        exitCode,
        signal,
        reason: error ? "spawn_error" : (reason ?? "exit"),
        startedAt,
        endedAt,
        durationMs: endedAt - startedAt,
      };
      if (error) result.error = error;
      resolve(result);
    };
    timer =
      options.timeoutMs !== undefined && child
        ? setTimeout(() => void terminate("timeout"), options.timeoutMs)
        : undefined;
    if (!child || spawnError) {
      void finish(null, null, spawnError ?? "spawn failed");
      return;
    }
    child.once("error", (error) => void finish(null, null, error.message));
    child.once("exit", (code, signal) => {
      reaped = true;
      // The leader is gone; whatever it left running in its group (`cmd &`) goes with it.
      // A termination already under way ends the rest itself (and knows which signal did it).
      if (pid !== undefined && !options.keepGroupOnExit && !ending)
        void terminateGroup(pid, graceMs, LAZY_POLL_MS);
      void finish(code, signal);
    });
  });

  const stdin = child?.stdin ?? null;
  // A command that exits without reading its input must not crash lanes with EPIPE.
  stdin?.on("error", () => {});
  const release = (): void => {
    // A released (persisted) process outlives lanes: no timer of ours may keep lanes alive, or kill it later.
    clearTimeout(timer);
    stdin?.destroy();
    child?.unref();
  };
  return { pid, stdin, exited, terminate, clearTimeout: () => clearTimeout(timer), release };
}

function signalProcess(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Gone already.
  }
}
