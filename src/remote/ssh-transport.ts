import { spawn } from "node:child_process";
import { homedir } from "node:os";
import type { SshTransportConfig } from "../config/remote-settings.js";
import { RemoteError, sshFailure } from "./remote-error.js";
import type { ConnectionShare } from "./ssh-connection-share.js";

/** One ssh destination as lanes uses it: the options every call carries, and the lane it belongs to. */
export interface SshTransport {
  lane: string;
  host: string;
  /**
   * `ssh` arguments before the destination: port, key, host-key checking, batch mode, keepalives, and the
   * shared master connection's while the share is open (read it at each call).
   */
  readonly options: string[];
}

function expandHome(path: string, env: NodeJS.ProcessEnv): string {
  return path === "~" || path.startsWith("~/") ? `${env.HOME ?? homedir()}${path.slice(1)}` : path;
}

export function sshTransport(
  lane: string,
  config: SshTransportConfig,
  env: NodeJS.ProcessEnv,
  share?: ConnectionShare,
): SshTransport {
  const options = [
    // Never a prompt (a password, a new host key): a question nobody sees would look like a hang.
    "-o",
    "BatchMode=yes",
    "-o",
    "ConnectTimeout=10",
    "-o",
    "ServerAliveInterval=5",
    "-o",
    "ServerAliveCountMax=3",
    "-o",
    "LogLevel=ERROR",
  ];
  if (config.port !== undefined) options.push("-p", String(config.port));
  if (config.identity_file !== undefined)
    options.push("-i", expandHome(config.identity_file, env), "-o", "IdentitiesOnly=yes");
  if (config.host_key_checking === "off")
    options.push("-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null");
  else {
    options.push("-o", "StrictHostKeyChecking=yes");
    if (config.known_hosts_file !== undefined)
      options.push("-o", `UserKnownHostsFile=${expandHome(config.known_hosts_file, env)}`);
  }
  const destination = [...options, config.host];
  return {
    lane,
    host: config.host,
    get options() {
      return share === undefined ? options : [...options, ...share.options(destination)];
    },
  };
}

/** Quotes one word for the remote user's shell (ssh joins its arguments into one command line). */
export function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

export interface SshResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs one command line on the host and collects its output. ssh's own failures (exit 255) throw a
 * RemoteError naming the lane, host and reason; the command's exit code is the caller's to read.
 */
export function runSsh(
  transport: SshTransport,
  commandLine: string,
  options: { signal?: AbortSignal; input?: string } = {},
): Promise<SshResult> {
  return new Promise((resolve, reject) => {
    const child = spawn("ssh", [...transport.options, transport.host, commandLine], {
      stdio: ["pipe", "pipe", "pipe"],
      signal: options.signal,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.stdin.on("error", () => {});
    child.stdin.end(options.input ?? "");
    child.once("error", (error) =>
      reject(new RemoteError(transport.lane, transport.host, "missing program", `ssh: ${error.message}`)),
    );
    child.once("close", (code) => {
      if (code === 255) {
        const { failure, detail } = sshFailure(stderr);
        reject(new RemoteError(transport.lane, transport.host, failure, detail));
      } else resolve({ code, stdout, stderr });
    });
  });
}
