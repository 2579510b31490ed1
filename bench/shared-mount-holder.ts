import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync, readlinkSync } from "node:fs";
import type { SpawnPlan } from "../src/process/launch-wrapper.js";
import { findProgram } from "../src/sandbox/probe.js";

/**
 * The structural option of issue 15, as a bench prototype only: one bubblewrap with lanes' mounts holds a
 * prepared mount (and ipc, uts) namespace; each task enters it (nsenter, where lanes' launcher would setns)
 * and runs a small bwrap that makes only its own pid namespace, /proc and /dev over a copy of that tree.
 */
export interface MountHolder {
  /** The plan of one task run in the holder's namespaces. */
  task(plan: SpawnPlan, cwd: string): SpawnPlan;
  stop(): void;
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
      if (pid > 0 && readlinkSync(`/proc/${pid}/ns/mnt`) !== readlinkSync("/proc/self/ns/mnt")) return pid;
    } catch {
      // not forked yet
    }
  }
  return undefined;
}

/** `options`: lanes' bwrap options (before `--`); the per-task parts (pid namespace, /proc, /dev, cwd) are left to each task. */
export function startMountHolder(bwrap: string, options: string[][]): MountHolder | undefined {
  const nsenter = findProgram("nsenter", process.env);
  if (nsenter === undefined) return undefined;
  const perTask = new Set(["--unshare-pid", "--proc", "--dev", "--chdir"]);
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
