import { shellExitStatus } from "../process/process-result.js";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { childEnv } from "../config/child-env.js";
import type { LanesConfig } from "../config/config.js";
import type { SpawnPlan } from "../process/launch-wrapper.js";
import { TASK_MARKER } from "../process/marked-processes.js";
import { refusedLine } from "../sandbox/describe.js";
import { stderrLine } from "./stderr-line.js";
import { createSandbox } from "../sandbox/create.js";
import { assertCommandAllowed } from "../tools/guard-check.js";

/**
 * `lanes sandbox -- CMD`: one command run the way the model's commands run (the guard, the environment
 * without secrets, the workspace as cwd, the same sandbox and network), but on this terminal, so a user can
 * see what is allowed. Exits with the command's code (128 + N for a signal).
 */
export async function runSandboxed(options: {
  workspace: string;
  config: LanesConfig;
  command: string;
}): Promise<number> {
  assertCommandAllowed(options.command);
  const policy = {
    passSecrets: options.config.pass_secrets_to_commands,
    keep: options.config.pass_env_to_commands,
  };
  const env = { ...childEnv(process.env, policy), [TASK_MARKER]: "sandbox" };
  let unavailable: string | undefined;
  const sandbox = createSandbox(options.config, {
    workspace: options.workspace,
    lanesDir: join(options.workspace, ".lanes"),
    env: process.env,
    onUnavailable: (line) => (unavailable = line),
    onNotice: stderrLine,
  });
  const base: SpawnPlan = { file: "/bin/sh", args: ["-c", options.command], env };
  let plan = base;
  try {
    if (sandbox) plan = sandbox.wrap(base, options.workspace);
  } catch {
    process.stderr.write(`${unavailable ?? "lanes sandbox: cannot start"}\n`);
    return 126;
  }
  const child = spawn(plan.file, plan.args, { cwd: options.workspace, env: plan.env, stdio: "inherit" });
  const code = await new Promise<number>((resolve) => {
    child.once("error", (error) => {
      process.stderr.write(`lanes sandbox: ${error.message}\n`);
      resolve(127);
    });
    child.once("exit", (exitCode, signal) => resolve(shellExitStatus(exitCode, signal)));
  });
  plan.release?.();
  for (const host of new Set(sandbox?.refusedHosts ?? [])) process.stderr.write(`${refusedLine(host)}\n`);
  sandbox?.close();
  return code;
}
