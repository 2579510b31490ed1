import { existsSync, mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { ConfigSchema } from "../../src/config/config.js";
import { PROXY_DIR_PREFIX } from "../../src/sandbox/proxy-dir.js";
import { createSandbox } from "../../src/sandbox/create.js";

/** A pid no process has (above the kernel's pid_max on any default system). */
const DEAD_PID = 4_194_305;

let ws: string;
let stale: string;
beforeEach(() => {
  ws = realpathSync(mkdtempSync(join(tmpdir(), "lanes-stale-sweep-")));
  // A proxy folder a lanes left when it was SIGKILLed: its pid is gone.
  stale = mkdtempSync(join(tmpdir(), `${PROXY_DIR_PREFIX}${DEAD_PID}-`));
});
afterEach(() => {
  rmSync(ws, { recursive: true, force: true });
  rmSync(stale, { recursive: true, force: true });
});

it.skipIf(process.platform !== "linux")(
  "the first filtered command does not wait for the sweep of dead lanes' proxy folders: they go a moment later",
  async () => {
    const config = ConfigSchema.parse({ sandbox: "workspace-write", sandbox_network: ["example.test"] });
    const options = {
      workspace: ws,
      lanesDir: join(ws, ".lanes"),
      env: process.env,
      sharedNetwork: false as const,
    };
    const sandbox = createSandbox(config, options)!;
    try {
      const plan = sandbox.wrap({ file: "/bin/true", args: [], env: {} }, ws);
      plan.release?.();
      // Not in the command's start (a readdir of a shared /tmp, thousands of entries on a busy machine).
      expect(existsSync(stale)).toBe(true);
      await vi.waitUntil(() => !existsSync(stale), { timeout: 5000, interval: 50 });
    } finally {
      sandbox.close();
    }
  },
);
