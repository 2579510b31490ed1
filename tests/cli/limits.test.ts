import { describe, expect, it } from "vitest";
import { ConfigSchema } from "../../src/config/config.js";
import { MAX_TIMER_MS } from "../../src/config/limits.js";
import { createProvider } from "../../src/model/create-provider.js";
import { runCli, testEnv } from "../helpers/run-cli.js";
import { tempWorkspace } from "../helpers/temp-workspace.js";

describe("durations past what Node timers honour are refused, not turned into 1 ms", () => {
  it("in the config file", () => {
    for (const key of ["max_wait_ms", "bash_background_after_ms", "stall_ms"]) {
      expect(ConfigSchema.safeParse({ [key]: MAX_TIMER_MS }).success).toBe(true);
      expect(ConfigSchema.safeParse({ [key]: MAX_TIMER_MS + 1 }).success).toBe(false);
    }
  });

  it("in LANES_REQUEST_TIMEOUT_MS", () => {
    const env = { ANTHROPIC_API_KEY: "k", LANES_REQUEST_TIMEOUT_MS: String(MAX_TIMER_MS + 1) };
    expect(() => createProvider({ env })).toThrow(
      /LANES_REQUEST_TIMEOUT_MS must be a whole number from 0 to 2147483647/,
    );
  });

  it("in --max-wait", async () => {
    const ws = tempWorkspace();
    try {
      const run = await runCli(["-p", "x", "--max-wait", "3000000"], { cwd: ws.dir, env: testEnv() });
      expect(run.code).not.toBe(0);
      expect(run.stderr).toContain("at most 2147483 seconds");
    } finally {
      ws.cleanup();
    }
  });
});
