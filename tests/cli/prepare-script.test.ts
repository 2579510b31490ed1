import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";

// scripts/prepare.js as npm runs it for a git URL: in a clone under npm's cache, with npm's variables set.
// The clone is a copy of this checkout; npm itself is a stand-in that records how it was called (no network).
const ROOT = resolve(import.meta.dirname, "../..");
const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function gitClone(): string {
  const cache = mkdtempSync(join(tmpdir(), "lanes-prepare-"));
  made.push(cache);
  const clone = join(cache, "_cacache", "tmp", "git-cloneAbC123");
  mkdirSync(clone, { recursive: true });
  for (const entry of ["src", "scripts", "bin", "package.json", "package-lock.json", "tsconfig.json"]) {
    cpSync(join(ROOT, entry), join(clone, entry), { recursive: true });
  }
  return clone;
}

/** An `npm` that records its arguments and environment, and "installs" by linking this checkout's modules. */
function fakeNpm(clone: string): { path: string; calls: string } {
  const path = join(clone, "..", "fake-npm.mjs");
  const calls = join(clone, "..", "npm-calls.json");
  writeFileSync(
    path,
    `import { appendFileSync, symlinkSync } from "node:fs";
appendFileSync(${JSON.stringify(calls)}, JSON.stringify({ args: process.argv.slice(2), cwd: process.cwd(),
  global: process.env.npm_config_global ?? null }) + "\\n");
symlinkSync(${JSON.stringify(join(ROOT, "node_modules"))}, "node_modules");
`,
  );
  return { path, calls };
}

function prepare(clone: string, env: Record<string, string>) {
  const base = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));
  return spawnSync(process.execPath, ["scripts/prepare.js"], {
    cwd: clone,
    env: { ...base, ...env },
    encoding: "utf8",
    // A hung prepare (the stand-in npm, the build) must fail the test, not block the worker for good.
    timeout: 60_000,
  });
}

describe("prepare for an install from a git URL", () => {
  it("a global install without --install-links is refused with the fix named, before anything is built", () => {
    const clone = gitClone();
    const npm = fakeNpm(clone);
    const run = prepare(clone, { npm_config_global: "true", npm_execpath: npm.path });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("npm install -g --install-links <git URL>");
    expect(existsSync(join(clone, "dist"))).toBe(false);
    expect(existsSync(npm.calls)).toBe(false);
  });

  it("build tools left out by npm (npm/cli#8440) are installed into the clone, then lanes is built", () => {
    const clone = gitClone();
    const npm = fakeNpm(clone);
    const run = prepare(clone, {
      npm_config_global: "true",
      npm_config_install_links: "true",
      npm_execpath: npm.path,
    });
    expect(run.status, run.stderr).toBe(0);
    const calls = readFileSync(npm.calls, "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { args: string[]; cwd: string; global: string | null });
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args).toEqual(expect.arrayContaining(["install", "--global=false", "--include=dev"]));
    expect(calls[0]?.global).toBeNull(); // npm's inherited --global would install nowhere useful again
    expect(calls[0]?.cwd).toBe(clone);
    const version = execFileSync(process.execPath, [join(clone, "dist", "lanes.js"), "--version"], {
      encoding: "utf8",
    });
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
    expect(version.trim()).toBe(pkg.version);
  });

  it("after npm ci (the tools are there) it only builds", () => {
    const clone = gitClone();
    const npm = fakeNpm(clone);
    execFileSync("ln", ["-s", join(ROOT, "node_modules"), join(clone, "node_modules")]);
    const run = prepare(clone, { npm_execpath: npm.path });
    expect(run.status, run.stderr).toBe(0);
    expect(existsSync(npm.calls)).toBe(false);
    expect(existsSync(join(clone, "dist", "lanes.js"))).toBe(true);
  });
});
