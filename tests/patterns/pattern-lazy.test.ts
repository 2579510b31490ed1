import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..", "..");

describe("re2js, the pattern engine", () => {
  it("is loaded by the first pattern compiled, not by importing the pattern module (a waiting agent that never matched holds none of it)", () => {
    const run = spawnSync(
      process.execPath,
      [join(ROOT, "bin", "run-ts.js"), join(ROOT, "tests", "fixtures", "pattern-loads.ts")],
      { encoding: "utf8", timeout: 30_000 },
    );
    expect(run.stderr).toBe("");
    expect(JSON.parse(run.stdout)).toEqual({ afterImport: false, afterCompile: true });
  });
});
