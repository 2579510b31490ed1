import { spawn } from "node:child_process";
import { RemoteError, sshFailure } from "./remote-error.js";
import { shellQuote, type SshTransport } from "./ssh-transport.js";

/** Where a Slurm lane's commands run: here (the Slurm client is local), or on a login node over ssh. */
export interface SlurmWhere {
  lane: string;
  /** `local`, or the ssh destination: what every error line names. */
  host: string;
  transport: SshTransport | undefined;
  /** The environment Slurm commands run with here (SLURM_CONF and the user's variables, no credentials). */
  env: NodeJS.ProcessEnv;
}

export interface RunResult {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

/**
 * Runs one command (argv) where the lane's Slurm client is. A program that is not there is a
 * RemoteError `missing program`; ssh's own failures are read as ssh's; the exit code is the caller's.
 */
export function runWhere(
  where: SlurmWhere,
  argv: string[],
  options: { input?: string; signal?: AbortSignal; env?: Record<string, string> } = {},
): Promise<RunResult> {
  const [program] = argv;
  const variables = Object.entries(options.env ?? {}).map(([name, value]) => `${name}=${value}`);
  // `env NAME=VALUE program`: the same words set the variables here and through ssh.
  const words = variables.length === 0 ? argv : ["env", ...variables, ...argv];
  const spawned =
    where.transport === undefined
      ? spawn(words[0] ?? "true", words.slice(1), { env: where.env, signal: options.signal })
      : spawn("ssh", [...where.transport.options, where.transport.host, words.map(shellQuote).join(" ")], {
          signal: options.signal,
        });
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let stderr = "";
    spawned.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
    spawned.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    spawned.stdin.on("error", () => {});
    spawned.stdin.end(options.input ?? "");
    spawned.once("error", (error: NodeJS.ErrnoException) => {
      const missing = error.code === "ENOENT";
      const detail = missing ? `${program ?? "?"} is not installed here` : error.message;
      reject(new RemoteError(where.lane, where.host, missing ? "missing program" : "start failed", detail));
    });
    spawned.once("close", (code) => {
      if (where.transport !== undefined && code === 255) {
        const { failure, detail } = sshFailure(stderr);
        return reject(new RemoteError(where.lane, where.host, failure, detail));
      }
      // 127: the shell (ssh's, or `env` here) found no such program.
      if (code === 127)
        return reject(
          new RemoteError(
            where.lane,
            where.host,
            "missing program",
            `${program ?? "?"} is not installed (${where.host})`,
          ),
        );
      resolve({ code, stdout: Buffer.concat(chunks), stderr });
    });
  });
}

/** Runs a small POSIX sh script there with arguments ($1...). */
export function runShell(
  where: SlurmWhere,
  script: string,
  args: string[],
  options: { input?: string } = {},
): Promise<RunResult> {
  return runWhere(where, ["sh", "-c", script, "sh", ...args], options);
}
