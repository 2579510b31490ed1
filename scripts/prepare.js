#!/usr/bin/env node
// npm's `prepare`: builds dist/ (after `npm ci`, and when lanes is installed from a git URL).
//
// `npm install -g <git URL>` runs this in a clone whose devDependencies were never installed (npm/cli#8440:
// the clone's own install inherits --global), so the build tools are missing. Then they are installed here,
// into the clone only, from the lockfile's versions, and the build goes on. Plain JavaScript: tsx may be the
// missing piece.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(join(root, "package.json"));

function resolvable(name) {
  try {
    require.resolve(`${name}/package.json`);
    return true;
  } catch {
    return false;
  }
}

function run(file, args, env = process.env) {
  const result = spawnSync(file, args, { cwd: root, env, stdio: "inherit" });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

// A global install from a git URL without --install-links ends in a dangling link (npm/cli#3692, #4148): npm
// links the package to this temporary clone, then deletes the clone. Refusing here says so instead.
const gitClone = /[\\/]_cacache[\\/]tmp[\\/]git-clone/.test(root);
if (gitClone && process.env.npm_config_global === "true" && process.env.npm_config_install_links !== "true") {
  console.error(
    "lanes: a global install from a git URL needs --install-links (without it npm leaves a dangling link to a " +
      "deleted temporary clone, npm/cli#3692): npm install -g --install-links <git URL>",
  );
  process.exit(1);
}

if (!["tsx", "esbuild"].every(resolvable)) {
  const npm = process.env.npm_execpath;
  if (!npm) {
    console.error("lanes: the build needs its devDependencies: run `npm ci` first");
    process.exit(1);
  }
  console.error("lanes: installing the build tools into this clone (npm/cli#8440)");
  const env = { ...process.env };
  for (const name of Object.keys(env))
    if (/^npm_config_(global|omit|production)$/i.test(name)) delete env[name];
  run(
    process.execPath,
    [
      npm,
      "install",
      "--no-save",
      "--global=false",
      "--include=dev",
      "--ignore-scripts",
      "--no-audit",
      "--no-fund",
    ],
    env,
  );
}
run(process.execPath, ["bin/run-ts.js", "scripts/build.ts"]);
