import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import type { SpawnPlan } from "../src/process/launch-wrapper.js";
import { archSyscalls } from "../src/process/linux-syscalls.js";
import { findPerl } from "../src/process/own-group-launch.js";
import { findProgram } from "../src/sandbox/probe.js";

/**
 * The structural option of issue 15, as a bench prototype only: one bubblewrap with lanes' mounts holds a
 * prepared mount (and ipc, uts) namespace; each task enters it (nsenter, where lanes' launcher would setns)
 * and runs a small bwrap that makes only its own pid namespace, /proc and /dev over a copy of that tree.
 */
export interface MountHolder {
  /** The plan of one task run in the holder's namespaces: a small bwrap (its own pid namespace, /proc, /dev). */
  task(plan: SpawnPlan, cwd: string): SpawnPlan;
  /**
   * The same with no bwrap per task: unshare makes the pid and mount namespaces and mounts /proc, setpriv
   * drops every capability; /dev is the holder's. Three execs where lanes' launcher would make syscalls.
   */
  taskWithoutBwrap(plan: SpawnPlan, cwd: string): SpawnPlan;
  stop(): void;
}

// Options bwrap reads with how many values.
const ARITY: Record<string, number> = {
  "--ro-bind": 2,
  "--ro-bind-try": 2,
  "--bind": 2,
  "--dev": 1,
  "--proc": 1,
  "--tmpfs": 1,
  "--remount-ro": 1,
  "--cap-drop": 1,
  "--chdir": 1,
};

/** bwrap's options as groups (an option and its values), up to the `--` before the command. */
export function bwrapOptions(args: string[]): string[][] {
  const options: string[][] = [];
  let i = 0;
  while (i < args.length && args[i] !== "--") {
    const take = ARITY[args[i] ?? ""] ?? 0;
    options.push(args.slice(i, i + 1 + take));
    i += 1 + take;
  }
  return options;
}

/**
 * The holder's process in the prepared namespaces, once bwrap has forked it (a few ms): bwrap's child, or its
 * grandchild under the namespace's init when bwrap makes a pid namespace.
 */
function heldPid(holder: ChildProcess, depth = 1): number | undefined {
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    try {
      let pid = holder.pid ?? 0;
      for (let level = 0; level < depth; level++)
        pid = Number(readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(" ")[0]);
      // Only once bwrap has exec'd the holder: before that its mounts are still being made.
      if (pid > 0 && readFileSync(`/proc/${pid}/comm`, "utf8") === "sleep\n") return pid;
    } catch {
      // not forked yet
    }
  }
  return undefined;
}

/** A bwrap holding `held` around a `sleep`: its pid (`depth` below bwrap) and nsenter's option per namespace. */
function startHolder(
  bwrap: string,
  held: string[],
  depth: number,
): { holder: ChildProcess; pid: number; ns(kind: string): string } | undefined {
  const holder = spawn(bwrap, [...held, "--", "/bin/sleep", "100000"], { stdio: "ignore" });
  holder.on("error", () => {});
  const pid = heldPid(holder, depth);
  if (pid === undefined) {
    holder.kill("SIGKILL");
    return undefined;
  }
  return { holder, pid, ns: (kind) => `--${kind}=/proc/${pid}/ns/${kind === "mount" ? "mnt" : kind}` };
}

/**
 * The command with every capability dropped and no_new_privs, run from `cwd`: cd once inside, since nsenter's
 * --wd opens the folder before it enters (a cwd on the host's writable mount).
 */
function powerlessIn(setpriv: string, cwd: string, plan: SpawnPlan): string[] {
  return [
    ...[setpriv, "--bounding-set=-all", "--inh-caps=-all", "--no-new-privs", "--"],
    ...["/bin/sh", "-c", 'cd "$1" && shift && exec "$@"', "sh", cwd, plan.file, ...plan.args],
  ];
}

/** KILLs the outer bwrap and the held process (which bwrap's death does not end). */
function stopHolder(holder: ChildProcess, pid: number): void {
  holder.kill("SIGKILL");
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // gone with bwrap
  }
}

/** `options`: lanes' bwrap options (before `--`); the per-task parts (pid namespace, /proc, /dev, cwd) are left to each task. */
export function startMountHolder(bwrap: string, options: string[][]): MountHolder | undefined {
  const [nsenter, unshare, setpriv] = ["nsenter", "unshare", "setpriv"].map((name) =>
    findProgram(name, process.env),
  );
  if (nsenter === undefined || unshare === undefined || setpriv === undefined) return undefined;
  // The holder keeps its own /dev (the tasks without a bwrap use it); /proc and the pid namespace are each task's.
  const perTask = new Set(["--unshare-pid", "--proc", "--chdir"]);
  const started = startHolder(bwrap, options.filter((g) => !perTask.has(g[0] ?? "")).flat(), 1);
  if (started === undefined) return undefined;
  const { holder, pid, ns } = started;
  return {
    task: (plan, cwd) => ({
      ...plan,
      file: nsenter,
      args: [
        ...["mount", "ipc", "uts"].map(ns),
        "--",
        bwrap,
        ...["--bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--unshare-pid", "--cap-drop", "ALL"],
        ...["--chdir", cwd, "--", plan.file, ...plan.args],
      ],
    }),
    taskWithoutBwrap: (plan, cwd) => ({
      ...plan,
      file: nsenter,
      args: [
        ...["mount", "ipc", "uts"].map(ns),
        "--",
        ...[unshare, "--pid", "--fork", "--mount", "--mount-proc", "--"],
        ...powerlessIn(setpriv, cwd, plan),
      ],
    }),
    stop: () => stopHolder(holder, pid),
  };
}

// prctl(2) and capset(2) by number, x64 only (the launcher variant is left out elsewhere); setns from lanes' table.
const X64_PRCTL = 157;
const X64_CAPSET = 126;

function sessionLauncher(setns: number): string {
  return [
    'my ($pid, $cwd, @argv) = @ARGV; my @ns = map { open(my $f, "<", "/proc/$pid/ns/$_") or die "$_: $!"; $f } qw(ipc uts pid mnt);',
    `for (@ns) { syscall(${setns}, fileno($_), 0) == 0 or die "setns: $!" }`,
    "my $child = fork(); if ($child == 0) {",
    `  for my $c (0 .. 63) { syscall(${X64_PRCTL}, 24, $c, 0, 0, 0) }`,
    '  my ($h, $d) = (pack("LL", 0x20080522, 0), pack("L6", 0, 0, 0, 0, 0, 0));',
    `  syscall(${X64_CAPSET}, $h, $d) == 0 or die "capset: $!";`,
    `  syscall(${X64_PRCTL}, 38, 1, 0, 0, 0) == 0 or die "no_new_privs: $!";`,
    '  chdir($cwd) or die "cd: $!"; exec { $argv[0] } @argv or die "exec: $!";',
    "}",
    "waitpid($child, 0); exit($? >> 8);",
  ].join("\n");
}

/**
 * The option past the structural one: one holder per session also holds the pid namespace and its /proc, and
 * each task only enters (mount, ipc, uts, pid) and drops every capability: no namespace is made or torn down
 * per task. Tasks of a session then see and can signal each other (never the host's processes), and a kill
 * can no longer rely on a namespace ending with its task. Undefined where nsenter or setpriv is missing.
 */
export function startSessionHolder(
  bwrap: string,
  options: string[][],
):
  | {
      task(plan: SpawnPlan, cwd: string): SpawnPlan;
      /** Undefined off x64 or without perl. */
      taskByLauncher: ((plan: SpawnPlan, cwd: string) => SpawnPlan) | undefined;
      stop(): void;
    }
  | undefined {
  const [nsenter, setpriv] = ["nsenter", "setpriv"].map((name) => findProgram(name, process.env));
  if (nsenter === undefined || setpriv === undefined) return undefined;
  const started = startHolder(bwrap, options.filter((g) => g[0] !== "--chdir").flat(), 2);
  if (started === undefined) return undefined;
  const { holder, pid, ns } = started;
  const [perl, setns] = [findPerl(), archSyscalls()?.setns];
  return {
    // As lanes' perl launcher would do it: setns into each, fork into the pid namespace, drop
    // every capability and set no_new_privs, cd, exec. No exec beyond the launcher's and the command's.
    taskByLauncher:
      perl === null || setns === undefined || process.arch !== "x64"
        ? undefined
        : (plan, cwd) => ({
            ...plan,
            file: perl,
            args: ["-e", sessionLauncher(setns), String(pid), cwd, plan.file, ...plan.args],
          }),
    task: (plan, cwd) => ({
      ...plan,
      file: nsenter,
      args: [...["mount", "ipc", "uts", "pid"].map(ns), "--", ...powerlessIn(setpriv, cwd, plan)],
    }),
    // bwrap's init in the namespace outlives the outer bwrap: the held sleep's KILL ends it (it waits for that
    // child only), and with it the namespace and any task left in it.
    stop: () => stopHolder(holder, pid),
  };
}
