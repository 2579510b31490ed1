import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { createSandbox } from "../src/sandbox/create.js";
import { benchConfig, round, withWorkspace } from "./support.js";

const CALLS = 200;

/**
 * CPU ms of one `wrap()` (bubblewrap's arguments, the protected paths and their mount points) in a git
 * workspace, after the first call (which probes bwrap and starts the shared network): what each sandboxed
 * start costs lanes' main thread before its spawn.
 */
export async function wrapCpuMsPerCall(): Promise<number> {
  return withWorkspace("wrap", async (dir) => {
    const workspace = join(dir, "workspace");
    mkdirSync(workspace);
    mkdirSync(join(dir, "home"));
    execFileSync("git", ["init", "-q", workspace]);
    const env = { ...process.env, HOME: join(dir, "home") };
    const sandbox = createSandbox(benchConfig({}), { workspace, lanesDir: join(workspace, ".lanes"), env });
    if (sandbox === undefined) throw new Error("wrap cost: the default config made no sandbox");
    try {
      const plan = { file: "/bin/sh", args: ["-c", "true"], env };
      sandbox.wrap(plan, workspace).release?.();
      const before = process.cpuUsage();
      for (let i = 0; i < CALLS; i++) sandbox.wrap(plan, workspace).release?.();
      const used = process.cpuUsage(before);
      return round((used.user + used.system) / 1000 / CALLS, 3);
    } finally {
      sandbox.close();
    }
  });
}
