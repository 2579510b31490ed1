import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createSandbox } from "../src/sandbox/create.js";
import { benchConfig } from "./support.js";

/** What one sandboxed command's namespace holds: counts load does not move. */
export interface SandboxMounts {
  /** Lines of its /proc/self/mountinfo. */
  mounts: number;
  /** Filesystems made for this command (device numbers the host has no mount of): each tmpfs, /proc, devpts. */
  newFilesystems: number;
}

const devices = (mountinfo: string): string[] =>
  mountinfo
    .split("\n")
    .filter(Boolean)
    .map((line) => line.split(" ")[2] ?? "");

/** Runs `cat /proc/self/mountinfo` in the sandbox as lanes wraps a command in `workspace` (default config). */
export function sandboxMounts(workspace: string): SandboxMounts | undefined {
  const env = process.env;
  const sandbox = createSandbox(benchConfig({}), { workspace, lanesDir: join(workspace, ".lanes"), env });
  if (sandbox === undefined) return undefined;
  const plan = sandbox.wrap({ file: "/bin/cat", args: ["/proc/self/mountinfo"], env }, workspace);
  try {
    const run = spawnSync(plan.file, plan.args, { cwd: workspace, env: plan.env, encoding: "utf8" });
    if (run.status !== 0) return undefined;
    const host = new Set(devices(readFileSync("/proc/self/mountinfo", "utf8")));
    const inside = devices(run.stdout);
    return {
      mounts: inside.length,
      newFilesystems: new Set(inside.filter((device) => !host.has(device))).size,
    };
  } finally {
    plan.release?.();
    sandbox.close();
  }
}
