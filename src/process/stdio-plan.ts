import { closeSync, openSync } from "node:fs";
import { dirname } from "node:path";
import { tmpdir } from "node:os";
import { openPipes, type MirrorPipe, type OutputMirror } from "./output-mirror.js";

/** Where a command's descriptors go: the log file (or mirror pipes), stdin, and the exit-code descriptor. */
export interface StdioOptions {
  outputFile: string;
  exitFile?: string | undefined;
  mirror?: OutputMirror | undefined;
  stdin: "pipe" | "ignore" | "inherit";
}

export interface StdioPlan {
  /** The `stdio` of spawn(): stdin, stdout, stderr and, with an exit file, descriptor 3. */
  stdio: ("pipe" | "ignore" | "inherit" | number)[];
  /** The log, appended to by the command (or by the mirror of its pipes). */
  logFd: number;
  exitFd: number | undefined;
  /** FIFOs of a mirrored command: the readers are lanes', the write ends the command's. */
  pipes: MirrorPipe[];
  /** Without FIFOs anywhere, a mirrored command gets Node's own pipes. */
  nodePipes: boolean;
}

/** The exit code goes to descriptor 3 (see EXIT_FILE_WRAPPER): inside the sandbox `.lanes/` is read-only. */
export const EXIT_FD = 3;

/**
 * Opens what the command writes to. Throws when the log or exit file cannot be opened (the workspace's
 * .lanes/ deleted under it), having closed what it opened: the caller reports a failed start.
 */
export function planStdio(options: StdioOptions): StdioPlan {
  const logFd = openSync(options.outputFile, "a");
  let exitFd: number | undefined;
  try {
    if (options.exitFile) exitFd = openSync(options.exitFile, "w");
  } catch (error) {
    closeSync(logFd);
    throw error;
  }
  const pipes = options.mirror ? (openPipes([tmpdir(), dirname(options.outputFile)], 2) ?? []) : [];
  // Without FIFOs anywhere, Node's own pipes: a closed reader then reads "Connection reset" to the command.
  const nodePipes = options.mirror !== undefined && pipes.length === 0;
  const [out = logFd, err = logFd]: (number | "pipe")[] =
    pipes.length === 2 ? pipes.map((pipe) => pipe.writeFd) : nodePipes ? ["pipe", "pipe"] : [logFd, logFd];
  const stdio: StdioPlan["stdio"] = [options.stdin, out, err, ...(exitFd === undefined ? [] : [exitFd])];
  return { stdio, logFd, exitFd, pipes, nodePipes };
}

/**
 * Closes lanes' copies of what the command now holds: the exit file, the pipes' write ends (ours would keep
 * the pipes from ever ending) and, unless a mirror still appends through it, the log.
 */
export function closeParentCopies(plan: StdioPlan, logHandedOver: boolean): void {
  if (!logHandedOver) closeSync(plan.logFd);
  if (plan.exitFd !== undefined) closeSync(plan.exitFd);
  for (const pipe of plan.pipes) closeSync(pipe.writeFd);
}
