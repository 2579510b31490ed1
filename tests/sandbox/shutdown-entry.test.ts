import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigSchema } from "../../src/config/config.js";
import { createSandbox } from "../../src/sandbox/create.js";
import { useLaneFixture } from "../helpers/lane-fixture.js";
import { findByEnv } from "../helpers/process-tree.js";
import { eventually } from "../helpers/temp-workspace.js";

// A persisted task enters the session's network namespace through a holder that ends with its lanes (issue 15):
// started in the last moments before lanes shuts down, under load its launcher had not entered yet when the
// holder went, so the task never ran. Every shutdown now waits (bounded) for such launchers to enter first.

const ws = useLaneFixture();
const busy: ChildProcess[] = [];
afterEach(() => {
  for (const loop of busy.splice(0)) loop.kill("SIGKILL");
});

/** CPU load beside the test: two busy loops, as `stress -c 2` would. */
function loadTheCpus(mark: string): void {
  for (let i = 0; i < 2; i++) {
    const loop = spawn("/bin/sh", ["-c", "while :; do :; done"], {
      stdio: "ignore",
      env: { ...process.env, LANES_TEST_MARK: mark },
    });
    busy.push(loop);
  }
}

function sandboxedManager(home: string) {
  const env = { ...process.env, HOME: home };
  const config = ConfigSchema.parse({ sandbox_network: "off" });
  const sandbox = createSandbox(config, { workspace: ws.dir, lanesDir: join(ws.dir, ".lanes"), env });
  return ws.manager({ sandbox, env, defaultLaneLimit: 50 });
}

describe.runIf(process.platform === "linux")(
  "a persist task started right before its lanes shuts down",
  () => {
    it("is running after the shutdown, 20 times in a row under CPU load", async () => {
      const home = join(ws.dir, "home");
      mkdirSync(home);
      loadTheCpus(ws.mark);
      const lost: string[] = [];
      for (let i = 0; i < 20; i++) {
        const lanes = sandboxedManager(home);
        const record = lanes.start({ command: `touch ran-${i}; exec sleep 60`, persist: true });
        await lanes.shutdown();
        // Generous: a launcher that entered in time runs its command soon; one that did not has died already.
        const ran = await eventually(() => existsSync(join(ws.dir, `ran-${i}`)), 10_000);
        const found = findByEnv("LANES_TASK_ID", record.id);
        const running = found.some((p) => p.command.includes("sleep"));
        if (!ran || !running)
          lost.push(`${i}: ran ${ran}, running ${running}, ${lanes.get(record.id)?.status}`);
        // Ended now: a persisted task keeps its lane slot, and twenty would fill the lane.
        for (const { pgid } of found) process.kill(-pgid, "SIGKILL");
      }
      expect(lost).toEqual([]);
    }, 300_000);
  },
);
