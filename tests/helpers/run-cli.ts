import { spawn } from "node:child_process";
import { join } from "node:path";

export const LANES_BIN = join(import.meta.dirname, "..", "..", "bin", "lanes.js");

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  pid: number;
}

/** The environment for a CLI under test: no real credentials, fast retries, nothing from the developer. */
export function testEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NO_COLOR: "1",
    LANES_RETRY_BASE_MS: "5",
  };
  for (const [key, value] of Object.entries(extra)) if (value !== undefined) env[key] = value;
  return env;
}

/** Runs `lanes ARGS` as a real child process and collects its output. */
export function runCli(
  args: string[],
  options: { env: NodeJS.ProcessEnv; cwd: string; onSpawn?: (pid: number) => void; input?: string },
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [LANES_BIN, ...args], {
      cwd: options.cwd,
      env: options.env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    if (child.pid !== undefined) options.onSpawn?.(child.pid);
    child.stdin.end(options.input ?? "");
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr, pid: child.pid ?? -1 }));
  });
}
