import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { useLaneFixture } from "../helpers/lane-fixture.js";
import { eventually } from "../helpers/temp-workspace.js";
import { readFileSync } from "node:fs";
import { Pattern } from "../../src/patterns/pattern.js";

const ws = useLaneFixture();

const logOf = (file: string): string => {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
};

describe("how a task ended is recorded as it happened", () => {
  it("a task that ignores TERM is recorded as ended by SIGKILL, when the KILL was sent", async () => {
    const m = ws.manager({ killGraceMs: 400 });
    const record = m.start({ command: "trap '' TERM; echo up; while :; do sleep 0.05; done" });
    expect(await eventually(() => logOf(record.output_file).includes("up"))).toBe(true);
    const asked = Date.now();
    const { record: final } = await m.kill(record.id);
    expect(final).toMatchObject({ status: "killed", signal: "SIGKILL", end_reason: "killed" });
    expect(Date.parse(final.ended_at!) - asked).toBeGreaterThanOrEqual(400);
  });

  it("a task that obeys TERM is recorded as ended by SIGTERM", async () => {
    const m = ws.manager({ killGraceMs: 5000 });
    const record = m.start({ command: "echo up; sleep 30" });
    expect(await eventually(() => logOf(record.output_file).includes("up"))).toBe(true);
    const asked = Date.now();
    const { record: final } = await m.kill(record.id);
    expect(final).toMatchObject({ status: "killed", signal: "SIGTERM" });
    expect(Date.parse(final.ended_at!) - asked).toBeLessThan(4000);
  });

  it("a timeout and the output cap say so, with the signal that ended them", async () => {
    const m = ws.manager({ killGraceMs: 300, outputCapBytes: 50_000 });
    const timed = m.start({ command: "trap '' TERM; sleep 30", timeoutMs: 200 });
    const capped = m.start({ command: "yes" });
    const [t, c] = await Promise.all([m.whenEnded(timed.id), m.whenEnded(capped.id)]);
    expect(t).toMatchObject({
      status: "timed_out",
      end_reason: "timeout",
      signal: "SIGKILL",
      timeout_ms: 200,
    });
    expect(c).toMatchObject({ status: "killed", end_reason: "output_cap" });
    expect(c.signal).not.toBeNull();
  });

  it("keeps notify_on and stall_ms in the record, so a lanes adopting it can re-arm them", () => {
    const m = ws.manager();
    const record = m.start({
      command: "sleep 5",
      notifyOn: Pattern.compile("ready"),
      stallMs: 1234,
      timeoutMs: 9000,
    });
    expect(record).toMatchObject({ notify_on: "ready", stall_ms: 1234, timeout_ms: 9000 });
  });

  it("a signal from outside lanes is recorded as such", async () => {
    const m = ws.manager();
    const record = m.start({ command: "echo up; sleep 30" });
    expect(await eventually(() => logOf(record.output_file).includes("up"))).toBe(true);
    // Once `sleep` runs: one forked in the instant of a lone TERM from outside would lose it (spawn-in-group.ts).
    const sleeping = (): boolean =>
      spawnSync("pgrep", ["-g", String(record.pid), "-x", "sleep"]).status === 0;
    expect(await eventually(sleeping)).toBe(true);
    process.kill(-record.pid!, "SIGTERM");
    const final = await m.whenEnded(record.id);
    expect(final).toMatchObject({
      status: "failed",
      signal: "SIGTERM",
      end_reason: "foreign_signal",
      end_detail: "SIGTERM not sent by lanes",
    });
  });
});
