import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { useLaneFixture } from "../helpers/lane-fixture.js";
import { MODES, useModeManagers, type Mode } from "../helpers/mode-manager.js";
import { eventually } from "../helpers/temp-workspace.js";

// A task's record says what ended it the same way with and without the sandbox: its shell's death by a
// signal is that signal (not 128 + N), a chosen `exit 137` stays an exit code, and the log holds only what
// the command printed (the sandbox's wrapper shell used to add "Killed" when its child died of a signal).

const ws = useLaneFixture();
const modeManager = useModeManagers(ws);
const manager = (mode: Mode) => modeManager(mode, { killGraceMs: 8_000 });

const view = (r: { status: string; exit_code: number | null; signal: string | null }) => ({
  status: r.status,
  exit_code: r.exit_code,
  signal: r.signal,
});

function logHas(file: string, text: string): boolean {
  try {
    return readFileSync(file, "utf8").includes(text);
  } catch {
    return false;
  }
}

describe.runIf(process.platform === "linux")("what ended a task, with and without the sandbox", () => {
  it.for(MODES)(
    "a task whose shell kills itself (`kill -9 $$`) has only its own output in its log, no `Killed` line (%s)",
    async (mode) => {
      const lanes = manager(mode);
      const end = await lanes.whenEnded(lanes.start({ command: "echo dying; echo oops >&2; kill -9 $$" }).id);
      expect(readFileSync(end.output_file, "utf8")).toBe("dying\noops\n");
    },
  );

  it.for(MODES)("a task whose shell kills itself (`kill -9 $$`) is recorded SIGKILL (%s)", async (mode) => {
    const lanes = manager(mode);
    const end = await lanes.whenEnded(lanes.start({ command: "kill -9 $$" }).id);
    expect(view(end)).toEqual({ status: "failed", exit_code: null, signal: "SIGKILL" });
  });

  it.for(MODES)("a task that chooses `exit 137` is recorded exit 137, not a signal (%s)", async (mode) => {
    const lanes = manager(mode);
    const end = await lanes.whenEnded(lanes.start({ command: "echo bye; exit 137" }).id);
    expect(view(end)).toEqual({ status: "failed", exit_code: 137, signal: null });
    expect(readFileSync(end.output_file, "utf8")).toBe("bye\n");
  });

  it.for(MODES)(
    "a task killed while its shell runs builtins between commands is recorded SIGTERM, not the previous command's exit 0 (%s)",
    async (mode) => {
      const lanes = manager(mode);
      // Only builtins: the shell never waits for a program, so the TERM always lands between two commands.
      const record = lanes.start({ command: "echo ready; while :; do :; done" });
      expect(await eventually(() => logHas(record.output_file, "ready"), 10_000)).toBe(true);
      const { record: final } = await lanes.kill(record.id);
      expect(view(final)).toEqual({ status: "killed", exit_code: null, signal: "SIGTERM" });
    },
  );
});
