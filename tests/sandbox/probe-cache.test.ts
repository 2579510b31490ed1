import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { forgetProbe, probedOk, rememberProbeOk } from "../../src/sandbox/probe-cache.js";
import { findProgram } from "../../src/sandbox/probe.js";
import { runCli, testEnv } from "../helpers/run-cli.js";
import { tempWorkspace } from "../helpers/temp-workspace.js";

// A probe's success is kept for the boot, so each lanes' first sandboxed command need not run bubblewrap
// first (8-10 ms). Only for the very bwrap probed; a failure is never kept; `lanes doctor` always probes anew.

async function freshProbe() {
  vi.resetModules(); // probe.ts keeps one answer per process
  return import("../../src/sandbox/probe.js");
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

  it("a probe's success is kept and spares the next process's bubblewrap run; a failure drops it", async ({
    onTestFinished,
  }) => {
    const ws = tempWorkspace("lanes-probe-cache-");
    onTestFinished(() => ws.cleanup());
    const bin = join(ws.dir, "bin");
    mkdirSync(bin);
    const env = { HOME: ws.dir, XDG_CACHE_HOME: join(ws.dir, "cache"), PATH: bin };
    // A bwrap that works, and counts its runs.
    const real = findProgram("bwrap", process.env) ?? "/usr/bin/bwrap";
    const runs = join(ws.dir, "runs");
    writeFileSync(join(bin, "bwrap"), `#!/bin/sh\necho run >> '${runs}'\nexec '${real}' "$@"\n`);
    chmodSync(join(bin, "bwrap"), 0o755);
    const first = await freshProbe();
    expect(first.probeSandbox(env)).toEqual({ ok: true, bwrap: join(bin, "bwrap") });
    expect(existsSync(runs)).toBe(true);
    writeFileSync(runs, "");
    const next = await freshProbe();
    expect(next.probeSandbox(env)).toEqual({ ok: true, bwrap: join(bin, "bwrap") });
    expect(readFileSync(runs, "utf8")).toBe("");
    // Asked afresh (doctor), a bwrap that now fails is said to fail, and the kept success is dropped.
    writeFileSync(
      join(bin, "bwrap"),
      `#!/bin/sh\necho 'bwrap: setting up uid map: Permission denied' >&2\nexit 1\n`,
    );
    utimesSync(join(bin, "bwrap"), new Date(), new Date(Date.now() - 1000)); // the same key as before
    rememberProbeOk(env, join(bin, "bwrap"));
    const fresh = (await freshProbe()).probeSandbox(env, true);
    expect(fresh).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^user namespaces are refused here/),
    });
    expect(probedOk(env, join(bin, "bwrap"))).toBe(false);
  });

  it("lanes doctor probes anew: a kept success does not hide a bwrap that fails now", async ({
    onTestFinished,
  }) => {
    const ws = tempWorkspace("lanes-probe-cache-");
    onTestFinished(() => ws.cleanup());
    const bin = join(ws.dir, "bin");
    mkdirSync(bin);
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
