import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { warmHeldSandbox } from "../helpers/held-sandbox.js";
import { useLaneFixture } from "../helpers/lane-fixture.js";
import { MODES, useModeManagers } from "../helpers/mode-manager.js";
import { eventually } from "../helpers/temp-workspace.js";

// The command's shell traps TERM so that a program outliving lanes' TERM is recorded with its own exit code.
// A TERM the command sent itself (`kill -TERM $$`, `kill 0` to clean up) then read as `exit 0`, the `kill`
// builtin's status, where a plain `sh -c` dies of SIGTERM (143). lanes now marks its own TERM first, and the
// shell re-raises any other (ending-marker.ts).

const ws = useLaneFixture();
const manager = useModeManagers(ws);

/** A program run by the command's shell that ignores TERM and exits 7 a moment later. */
const OUTLIVES_TERM = `sh -c "trap '' TERM; echo ready; sleep 1; exit 7"`;

const ownEnd = { status: "failed", exit_code: null, signal: "SIGTERM", end_reason: "foreign_signal" };

const log = (file: string): string => {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
};

describe.runIf(process.platform === "linux")("a command that signals its own shell", () => {
  it.for(MODES)(
    "kill -TERM $$: recorded as dying of SIGTERM, which lanes did not send (%s)",
    async (mode) => {
      const lanes = manager(mode);
      const end = await lanes.whenEnded(
        lanes.start({ command: "echo before; kill -TERM $$; echo after" }).id,
      );
      expect(end).toMatchObject(ownEnd);
      expect(log(end.output_file)).toBe("before\n");
    },
  );

  it.for(MODES)("cmd & kill 0 (TERM to its own group, a common cleanup): the same (%s)", async (mode) => {
    const lanes = manager(mode);
    const end = await lanes.whenEnded(lanes.start({ command: "sleep 30 & kill 0" }).id);
    expect(end).toMatchObject(ownEnd);
  });

  it("in a held sandbox too, where lanes' own TERM still keeps a program's exit code", async () => {
    const lanes = manager("sandboxed", { killGraceMs: 8_000 });
    expect(await warmHeldSandbox(lanes, ws.dir)).toBe(true);
    const end = await lanes.whenEnded(lanes.start({ command: "kill -TERM $$" }).id);
    expect(end).toMatchObject(ownEnd);
    const record = lanes.start({ command: OUTLIVES_TERM });
    expect(await eventually(() => log(record.output_file) === "ready\n", 10_000)).toBe(true);
    const { record: final } = await lanes.kill(record.id);
    expect(final).toMatchObject({ exit_code: 7, signal: null });
  });

  it.for(MODES)(
    "lanes' own TERM to a program that outlives it and exits 7 is still recorded 7: the mark is seen (%s)",
    async (mode) => {
      const lanes = manager(mode, { killGraceMs: 8_000 });
      const record = lanes.start({ command: OUTLIVES_TERM });
      expect(await eventually(() => log(record.output_file) === "ready\n", 10_000)).toBe(true);
      const { record: final } = await lanes.kill(record.id);
      expect(final).toMatchObject({ exit_code: 7, signal: null });
    },
  );
});
