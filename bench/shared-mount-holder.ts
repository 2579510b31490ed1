import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import type { SpawnPlan } from "../src/process/launch-wrapper.js";
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

/** The holder's process in the prepared namespaces, once bwrap has forked it (a few ms). */
function heldPid(holder: ChildProcess): number | undefined {
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    try {
      const [child] = readFileSync(`/proc/${holder.pid}/task/${holder.pid}/children`, "utf8")
        .trim()
        .split(" ");
      const pid = Number(child);
      // Only once bwrap has exec'd the holder: before that its mounts are still being made.
      if (pid > 0 && readFileSync(`/proc/${pid}/comm`, "utf8") === "sleep\n") return pid;
    } catch {
      // not forked yet
    }
  }
  return undefined;
}

/** `options`: lanes' bwrap options (before `--`); the per-task parts (pid namespace, /proc, /dev, cwd) are left to each task. */
export function startMountHolder(bwrap: string, options: string[][]): MountHolder | undefined {
  const [nsenter, unshare, setpriv] = ["nsenter", "unshare", "setpriv"].map((name) =>
    findProgram(name, process.env),
  );
  if (nsenter === undefined || unshare === undefined || setpriv === undefined) return undefined;
  // The holder keeps its own /dev (the tasks without a bwrap use it); /proc and the pid namespace are each task's.
  const perTask = new Set(["--unshare-pid", "--proc", "--chdir"]);
  const held = options.filter((g) => !perTask.has(g[0] ?? "")).flat();
  const holder = spawn(bwrap, [...held, "--", "/bin/sleep", "100000"], { stdio: "ignore" });
  holder.on("error", () => {});
  const pid = heldPid(holder);
  if (pid === undefined) {
    holder.kill("SIGKILL");
    return undefined;
  }
  const ns = (kind: string) => `--${kind}=/proc/${pid}/ns/${kind === "mount" ? "mnt" : kind}`;
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
        ...[setpriv, "--bounding-set=-all", "--inh-caps=-all", "--no-new-privs", "--"],
        // cd once inside: nsenter's --wd opens the folder before it enters, a cwd on the host's writable mount.
        ...["/bin/sh", "-c", 'cd "$1" && shift && exec "$@"', "sh", cwd, plan.file],
        ...plan.args,
      ],
    }),
    stop: () => {
      holder.kill("SIGKILL");
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // gone with bwrap
      }
    },
  };
}
