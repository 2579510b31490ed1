import { chmodSync, copyFileSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { forgetProbe, probedOk, rememberProbeOk } from "../../src/sandbox/probe-cache.js";
import { findProgram, probeOutcome, probePlan } from "../../src/sandbox/probe.js";
import { runCli, testEnv } from "../helpers/run-cli.js";
import { tempWorkspace } from "../helpers/temp-workspace.js";

// A probe's success is kept for the boot, so each lanes' first sandboxed command need not run bubblewrap
// first (8-10 ms). Only for the very bwrap probed; a failure is never kept; `lanes doctor` always probes anew.

/** A temp folder with an empty `bin/` in it, removed after the test. */
function withBin(onTestFinished: (fn: () => void) => void): { ws: { dir: string }; bin: string } {
  const ws = tempWorkspace("lanes-probe-cache-");
  onTestFinished(() => ws.cleanup());
  const bin = join(ws.dir, "bin");
  mkdirSync(bin);
  return { ws, bin };
}

describe.runIf(process.platform === "linux")("the kept sandbox probe", () => {
  it("holds for the bwrap that was probed, not for another path or a bwrap replaced since", ({
    onTestFinished,
  }) => {
    const ws = tempWorkspace("lanes-probe-cache-");
    onTestFinished(() => ws.cleanup());
    const env = { HOME: ws.dir, XDG_CACHE_HOME: join(ws.dir, "cache") };
    const bin = join(ws.dir, "bin");
    mkdirSync(bin);
    const bwrap = join(bin, "bwrap");
    copyFileSync(findProgram("bwrap", process.env) ?? "/usr/bin/bwrap", bwrap);
    chmodSync(bwrap, 0o755);
    expect(probedOk(env, bwrap)).toBe(false);
    rememberProbeOk(env, bwrap);
    expect(probedOk(env, bwrap)).toBe(true);
    const other = join(bin, "bwrap2");
    copyFileSync(bwrap, other);
    expect(probedOk(env, other)).toBe(false);
    // An upgrade (a new file, or the same file changed): probed again.
    utimesSync(bwrap, new Date(), new Date(Date.now() - 60_000));
    expect(probedOk(env, bwrap)).toBe(false);
    rememberProbeOk(env, bwrap);
    forgetProbe(env);
    expect(probedOk(env, bwrap)).toBe(false);
  });

  it("a probe's success is kept (the next plan runs nothing), a failure drops it; asked afresh, bwrap runs", ({
    onTestFinished,
  }) => {
    const { ws, bin } = withBin(onTestFinished);
    const bwrap = join(bin, "bwrap");
    copyFileSync(findProgram("bwrap", process.env) ?? "/usr/bin/bwrap", bwrap);
    chmodSync(bwrap, 0o755);
    const env = { HOME: ws.dir, XDG_CACHE_HOME: join(ws.dir, "cache"), PATH: bin };
    expect(probePlan(env)).toMatchObject({ bwrap, args: expect.any(Array) });
    expect(probeOutcome(bwrap, { status: 0, stderr: "" }, env)).toEqual({ ok: true, bwrap });
    expect(probePlan(env)).toEqual({ ok: true, bwrap });
    expect(probePlan(env, true)).toMatchObject({ bwrap, args: expect.any(Array) });
    const refused = { status: 1, stderr: "bwrap: setting up uid map: Permission denied\n" };
    expect(probeOutcome(bwrap, refused, env)).toMatchObject({ ok: false });
    expect(probePlan(env)).toMatchObject({ bwrap, args: expect.any(Array) });
  });

  it("the next lanes process does not run the probe again", async ({ onTestFinished }) => {
    const { ws, bin } = withBin(onTestFinished);
    // A bwrap that logs its arguments and runs the real one: the probe's run ends with `-- /bin/true`.
    const calls = join(ws.dir, "calls");
    const real = findProgram("bwrap", process.env) ?? "/usr/bin/bwrap";
    writeFileSync(join(bin, "bwrap"), `#!/bin/sh\necho "$*" >> '${calls}'\nexec '${real}' "$@"\n`);
    chmodSync(join(bin, "bwrap"), 0o755);
    const env = testEnv({ PATH: `${bin}:${process.env.PATH ?? "/usr/bin:/bin"}` });
    const probes = (): number =>
      readFileSync(calls, "utf8")
        .split("\n")
        .filter((line) => line.endsWith("-- /bin/true")).length;
    const first = await runCli(["run", "echo one"], { cwd: ws.dir, env, onTestFinished });
    expect(first.code, first.stderr).toBe(0);
    expect(probes()).toBe(1);
    const second = await runCli(["run", "echo two"], { cwd: ws.dir, env, onTestFinished });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain("two");
    expect(probes()).toBe(1);
  });

  it("lanes doctor probes anew: a kept success does not hide a bwrap that fails now", async ({
    onTestFinished,
  }) => {
    const { ws, bin } = withBin(onTestFinished);
    const bwrap = join(bin, "bwrap");
    writeFileSync(bwrap, `#!/bin/sh\necho 'bwrap: setting up uid map: Permission denied' >&2\nexit 1\n`);
    chmodSync(bwrap, 0o755);
    const env = testEnv({ PATH: `${bin}:/usr/bin:/bin` });
    rememberProbeOk(env, bwrap);
    const doctor = await runCli(["doctor"], { cwd: ws.dir, env, onTestFinished });
    expect(doctor.stdout).toMatch(/user namespaces are refused here/);
    expect(probedOk(env, bwrap)).toBe(false);
  });
});
