import { spawn } from "node:child_process";
import { lstatSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { LANES_BIN, type CliRun } from "./run-cli.js";

/** Every regular file below `dir`, at any depth (symlinks are not followed). */
export function filesUnder(dir: string): string[] {
  const files: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const stats = lstatSync(path);
    if (stats.isDirectory()) files.push(...filesUnder(path));
    else if (stats.isFile()) files.push(path);
  }
  return files;
}

/** The files among `files` whose bytes contain any of `needles`, with the needle found. */
export function filesHolding(files: string[], needles: string[]): string[] {
  return files.flatMap((file) => {
    const bytes = readFileSync(file);
    return needles.filter((needle) => bytes.includes(needle)).map((needle) => `${file}: ${needle}`);
  });
}

/**
 * Runs `lanes ARGS` under a given umask (000 makes every default permission world-writable, so only
 * modes lanes sets itself survive). Otherwise like runCli.
 */
export function runCliUnderUmask(
  args: string[],
  options: { env: NodeJS.ProcessEnv; cwd: string; umask: string },
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const script = `umask ${options.umask}; exec "$@"`;
    const child = spawn("/bin/sh", ["-c", script, "sh", process.execPath, LANES_BIN, ...args], {
      cwd: options.cwd,
      env: options.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr, pid: child.pid ?? -1 }));
  });
}
