import { defaultSandbox } from "./default-sandbox.js";
import { afterEach } from "vitest";
import type { LaneManager, LaneManagerOptions } from "../../src/lanes/lane-manager.js";
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
    sandbox = defaultSandbox(ws.dir);
    return ws.manager({ ...options, sandbox });
  };
}
