import { join } from "node:path";
import { afterEach } from "vitest";
import { ConfigSchema } from "../../src/config/config.js";
import type { LaneManager, LaneManagerOptions } from "../../src/lanes/lane-manager.js";
import { createSandbox } from "../../src/sandbox/create.js";
import type { CommandSandbox } from "../../src/sandbox/sandbox.js";
import type { LaneFixture } from "./lane-fixture.js";

export type Mode = "sandboxed" | "unsandboxed";
export const MODES: Mode[] = ["sandboxed", "unsandboxed"];

/**
 * A lane manager in the fixture's workspace for either mode: sandboxed ones run their commands in the default
 * sandbox, closed after each test.
 */
export function useModeManagers(
  ws: LaneFixture,
): (mode: Mode, options?: Partial<LaneManagerOptions>) => LaneManager {
  let sandbox: CommandSandbox | undefined;
  afterEach(() => {
    sandbox?.close();
    sandbox = undefined;
  });
  return (mode, options = {}) => {
    if (mode === "unsandboxed") return ws.manager(options);
    sandbox = createSandbox(ConfigSchema.parse({}), {
      workspace: ws.dir,
      lanesDir: join(ws.dir, ".lanes"),
      env: process.env,
    });
    return ws.manager({ ...options, sandbox });
  };
}
