import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, inject, it } from "vitest";
import { WORKER_V8_FLAGS, workerCommand, workerEntry } from "../../src/agents/worker-command.js";

const dirs: string[] = [];
function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), "lanes-worker-entry-"));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("the agent worker's entry", () => {
  it("starts the slim dist/agent-worker-start.cjs, with V8 told to favour memory, when it sits beside lanes.js", () => {
    const dist = folder();
    writeFileSync(join(dist, "lanes.js"), "");
    writeFileSync(join(dist, "agent-worker-start.cjs"), "");
    const line = workerCommand("/s/spec.json", {
      node: "/n/node",
      execArgv: [],
      entry: join(dist, "lanes.js"),
    });
    expect(line).toBe(
      `exec /n/node ${WORKER_V8_FLAGS.join(" ")} ${join(dist, "agent-worker-start.cjs")} agent-worker /s/spec.json`,
    );
  });

  it("the built entry is one CommonJS file over the bundle: it starts from a folder holding only the two, with no ESM loader", () => {
    const built = dirname(inject("lanesBin"));
    const dir = folder();
    for (const name of ["agent-worker-start.cjs", "agent-worker.cjs"])
      copyFileSync(join(built, name), join(dir, name));
    // No arguments: the bundle is loaded and run, and says how it is started. The probe says whether node's
    // ESM loader ran a module job (an ESM entry, or chunks imported by one).
    const probe = join(dir, "probe.cjs");
    writeFileSync(
      probe,
      'process.on("exit", () => process.stdout.write(String(process.moduleLoadList.includes("NativeModule internal/modules/esm/module_job"))));',
    );
    const run = spawnSync(process.execPath, ["--require", probe, join(dir, "agent-worker-start.cjs")], {
      encoding: "utf8",
      env: { ...process.env, LANES_CODE_CACHE: "0" },
    });
    expect(run.stderr).toContain("usage: agent-worker SPEC");
    expect(run.status).toBe(2);
    expect(run.stdout).toBe("false");
  });

  it("the built worker loads neither worker_threads nor https (TLS) at its start", () => {
    const built = dirname(inject("lanesBin"));
    const dir = folder();
    const probe = join(dir, "probe.cjs");
    writeFileSync(
      probe,
      'process.on("exit", () => process.stdout.write(process.moduleLoadList.filter((m) => /^NativeModule (worker_threads|https|tls|http)$/.test(m)).join()));',
    );
    const run = spawnSync(process.execPath, ["--require", probe, join(built, "agent-worker-start.cjs")], {
      encoding: "utf8",
      env: { ...process.env, LANES_CODE_CACHE: "0" },
    });
    expect(run.stderr).toContain("usage: agent-worker SPEC");
    expect(run.stdout).toBe("NativeModule http");
  });

  it("its V8 flags are ones this node accepts, and they keep the young generation at 2 MB or less where node's default grows it to 16 MB", () => {
    // Short-lived garbage grows the young generation to 16 MB under node's defaults.
    const probe = `let keep = []; for (let i = 0; i < 1e5; i++) { keep.push({ i, s: "x" + i }); if (keep.length > 5e4) keep = []; } const s = require("node:v8").getHeapSpaceStatistics().find((x) => x.space_name === "new_space"); process.stdout.write(String(s.space_size))`;
    const run = spawnSync(process.execPath, [...WORKER_V8_FLAGS, "-e", probe], { encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(Number(run.stdout)).toBeGreaterThan(0);
    expect(Number(run.stdout)).toBeLessThanOrEqual(2 * 1024 * 1024);
  });

  it("its V8 flags let a start's ~16 MB of lasting objects build without a full mark-compact", () => {
    // As a worker's bundle, session and first turns do; under --optimize-for-size alone V8 ran one at ~14 MB.
    const probe = `const { PerformanceObserver, constants } = require("node:perf_hooks");
let full = 0;
const observer = new PerformanceObserver((list) => { for (const e of list.getEntries()) if (e.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) full++; });
observer.observe({ entryTypes: ["gc"] });
const keep = [];
for (let i = 0; i < 77000; i++) keep.push({ i, s: "x" + i, a: [i, i + 1] });
setTimeout(() => { observer.disconnect(); process.stdout.write(String(full)); }, 50);`;
    const run = spawnSync(process.execPath, [...WORKER_V8_FLAGS, "-e", probe], { encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect(run.stdout).toBe("0");
  });

  it("its WebAssembly (undici's HTTP parser) stays on Liftoff: a hot wasm function is never recompiled by TurboFan", () => {
    // (func (param i32) (result i32)): sums n, n-1, ..., 1 in a loop; 2000 calls make it hot.
    const wasm = [
      0, 97, 115, 109, 1, 0, 0, 0, 1, 6, 1, 96, 1, 127, 1, 127, 3, 2, 1, 0, 7, 5, 1, 1, 102, 0, 0, 10, 35, 1,
      33, 1, 1, 127, 2, 64, 3, 64, 32, 0, 69, 13, 1, 32, 1, 32, 0, 106, 33, 1, 32, 0, 65, 1, 107, 33, 0, 12,
      0, 11, 11, 32, 1, 11,
    ];
    const probe = `const f = new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array([${wasm.join(",")}]))).exports.f; let sum = 0; for (let i = 0; i < 2000; i++) sum += f(1000); process.stdout.write(JSON.stringify({ sum, liftoff: %IsLiftoffFunction(f), turbofan: %IsTurboFanFunction(f) }))`;
    const run = spawnSync(process.execPath, ["--allow-natives-syntax", ...WORKER_V8_FLAGS, "-e", probe], {
      encoding: "utf8",
    });
    expect(run.stderr).toBe("");
    expect(JSON.parse(run.stdout)).toEqual({ sum: 2000 * 500500, liftoff: true, turbofan: false });
  });

  it("its JavaScript stops at Sparkplug: a function hot enough for TurboFan under node's defaults is never compiled by it", () => {
    const probe = `function f(n) { let s = 0; for (let i = 0; i < n; i++) s += i % 7; return s; } let sum = 0; for (let k = 0; k < 20000; k++) sum += f(1000); process.stdout.write(JSON.stringify({ sum, turbofan: %ActiveTierIsTurbofan(f) }))`;
    const run = (flags: string[]) =>
      spawnSync(process.execPath, ["--allow-natives-syntax", ...flags, "-e", probe], { encoding: "utf8" });
    // The same loop under node's defaults does reach TurboFan, so the probe can tell.
    expect(JSON.parse(run([]).stdout)).toEqual({ sum: 20000 * 2997, turbofan: true });
    const worker = run(WORKER_V8_FLAGS);
    expect(worker.stderr).toBe("");
    expect(JSON.parse(worker.stdout)).toEqual({ sum: 20000 * 2997, turbofan: false });
  });

  it("finds the slim entry through an installed symlink to lanes.js", () => {
    const dir = folder();
    mkdirSync(join(dir, "dist"));
    mkdirSync(join(dir, "bin"));
    writeFileSync(join(dir, "dist", "lanes.js"), "");
    writeFileSync(join(dir, "dist", "agent-worker-start.cjs"), "");
    symlinkSync(join(dir, "dist", "lanes.js"), join(dir, "bin", "lanes"));
    expect(workerEntry(join(dir, "bin", "lanes"))).toBe(join(dir, "dist", "agent-worker-start.cjs"));
  });

  it("uses the source entry when lanes runs from src/, and lanes itself when no slim entry exists", () => {
    expect(workerEntry(join(import.meta.dirname, "../../src/cli/main.ts"))).toMatch(
      /src\/cli\/agent-worker-main\.ts$/,
    );
    const old = folder();
    writeFileSync(join(old, "lanes.js"), "");
    expect(workerEntry(join(old, "lanes.js"))).toBe(join(old, "lanes.js"));
  });
});
