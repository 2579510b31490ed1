import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, realpathSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LANES_BIN, testEnv } from "../helpers/run-cli.js";
import { tempWorkspace } from "../helpers/temp-workspace.js";

const ROOT = resolve(import.meta.dirname, "../..");

let tmp: { dir: string; cleanup: () => void };
beforeEach(() => (tmp = tempWorkspace("lanes-install-")));
afterEach(() => tmp.cleanup());

/**
 * A clone after `npm ci`: package.json, the built dist/ (this run's bundle) and the runtime dependencies.
 * A copy, so npm never touches this checkout or its node_modules.
 */
function clone(): string {
  const pkg = join(tmp.dir, "clone");
  mkdirSync(join(pkg, "node_modules"), { recursive: true });
  cpSync(join(ROOT, "package.json"), join(pkg, "package.json"));
  cpSync(dirname(LANES_BIN), join(pkg, "dist"), { recursive: true });
  const dependencies = Object.keys(
    (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { dependencies: object }).dependencies,
  );
  for (const name of dependencies)
    cpSync(realpathSync(join(ROOT, "node_modules", name)), join(pkg, "node_modules", name), {
      recursive: true,
    });
  return pkg;
}

describe("the README's install from a clone", () => {
  it("npm install -g . puts a working lanes on PATH, run from another folder; a rebuild updates it", () => {
    const pkg = clone();
    const prefix = join(tmp.dir, "prefix");
    const elsewhere = join(tmp.dir, "elsewhere");
    mkdirSync(elsewhere);
    // --ignore-scripts: dist/ is already built here (the README's npm ci builds it; prepare would rebuild it).
    const install = spawnSync(
      "npm",
      ["install", "-g", ".", "--prefix", prefix, "--offline", "--ignore-scripts", "--no-audit", "--no-fund"],
      {
        cwd: pkg,
        encoding: "utf8",
        env: { ...process.env, npm_config_update_notifier: "false" },
        timeout: 120_000,
      },
    );
    expect(install.status, install.stderr).toBe(0);
    const env = testEnv({ PATH: `${join(prefix, "bin")}:${process.env.PATH ?? ""}` });
    const version = spawnSync("lanes", ["--version"], { cwd: elsewhere, env, encoding: "utf8" });
    expect(version.stderr).toBe("");
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    const help = spawnSync("lanes", ["help", "run"], { cwd: elsewhere, env, encoding: "utf8" });
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/Usage: lanes run/);
    // The installed command is a link to the clone: what `git pull && npm ci` rebuilds is what runs next.
    expect(realpathSync(join(prefix, "bin", "lanes"))).toBe(realpathSync(join(pkg, "dist", "lanes.js")));
  });
});
