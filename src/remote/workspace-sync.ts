import { spawn } from "node:child_process";
import { relative, sep } from "node:path";
import { RemoteError } from "./remote-error.js";
import { shellQuote, type SshTransport } from "./ssh-transport.js";
import type { RemotePlace } from "./supervisor-call.js";
import { SyncQueue } from "./sync-queue.js";

/** rsync's filters for a workspace: its .gitignore files, never .lanes/, never what the sandbox hides. */
export function syncFilters(workspace: string, hidden: readonly string[]): string[] {
  const filters = ["--filter=:- .gitignore", "--exclude=/.lanes/"];
  for (const path of hidden) {
    const inside = relative(workspace, path);
    if (inside !== "" && !inside.startsWith("..") && !inside.startsWith(sep))
      filters.push(`--exclude=/${inside.split(sep).join("/")}`);
  }
  return filters;
}

/** A Slurm lane whose `dir` is on this machine (a shared file system): rsync copies without ssh. */
export interface LocalTarget {
  lane: string;
  host: string;
}

const queue = new SyncQueue();

/**
 * Copies the working tree into the workspace's folder on the host (files there the .gitignore names, such
 * as build output, are kept), one sync at a time per folder (sync-queue.ts). Resolves with how long it took;
 * a failure is a RemoteError naming the reason.
 */
export function syncWorkspace(
  transport: SshTransport | LocalTarget,
  place: RemotePlace,
  workspace: string,
  hidden: readonly string[],
  signal?: AbortSignal,
): Promise<number> {
  const folder = `${place.base}/${place.workspaceKey}/`;
  const target = "options" in transport ? `${transport.host}:${folder}` : folder;
  const sync = () => rsync(transport, target, workspace, hidden, signal);
  return queue.run(`${transport.host}\0${folder}`, sync, signal);
}

function rsync(
  transport: SshTransport | LocalTarget,
  target: string,
  workspace: string,
  hidden: readonly string[],
  signal?: AbortSignal,
): Promise<number> {
  const started = Date.now();
  const rsh = "options" in transport ? ["-e", ["ssh", ...transport.options].map(shellQuote).join(" ")] : [];
  const args = ["-a", "--delete", ...syncFilters(workspace, hidden), ...rsh, `${workspace}/`, target];
  return new Promise((resolve, reject) => {
    const child = spawn("rsync", args, { stdio: ["ignore", "ignore", "pipe"], signal });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const fail = (failure: ConstructorParameters<typeof RemoteError>[2], detail: string): void =>
      reject(new RemoteError(transport.lane, transport.host, failure, detail));
    child.once("error", (error) =>
      fail(
        "missing program",
        (error as NodeJS.ErrnoException).code === "ENOENT" ? "rsync is not installed here" : error.message,
      ),
    );
    child.once("close", (code) => {
      if (code === 0) return resolve(Date.now() - started);
      const last =
        stderr
          .trim()
          .split("\n")
          .filter((line) => !line.startsWith("rsync error"))
          .pop() ?? "";
      if (/command not found|rsync: not found/i.test(stderr))
        fail("missing program", "rsync is not installed on the host");
      else if (/No space left|Read-only file system|Permission denied/i.test(stderr))
        fail("dir not writable", last);
      else if (code === 255) fail("unreachable", last || "ssh failed");
      else fail("sync failed", last || `rsync exited ${code}`);
    });
  });
}
