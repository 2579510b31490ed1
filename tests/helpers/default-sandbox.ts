import { join } from "node:path";
import { ConfigSchema } from "../../src/config/config.js";
import { createSandbox } from "../../src/sandbox/create.js";
import type { CommandSandbox } from "../../src/sandbox/sandbox.js";

/** The sandbox a default configuration gives a workspace (workspace-write), lanes' folder inside it. */
export function defaultSandbox(workspace: string, held?: boolean): CommandSandbox | undefined {
  return createSandbox(ConfigSchema.parse({}), {
    workspace,
    lanesDir: join(workspace, ".lanes"),
    env: process.env,
    ...(held === undefined ? {} : { held }),
  });
}
