import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import { once } from "node:events";
import { RemoteError, sshFailure } from "./remote-error.js";
import type { SshTransport } from "./ssh-transport.js";

/** How one follow connection ended: the task's end as the supervisor wrote it, lost there, or dropped. */
export type FollowEnd =
  | { kind: "exited"; code: number; why: "exit" | "timeout" | "killed" }
  | { kind: "lost" }
  | { kind: "dropped"; error: RemoteError };

/**
 * Streams the remote log from `offset` into the local log (appending), until the task ends there or the
 * connection drops. The caller reconnects from the local log's size, so no byte is written twice.
 */
export async function followOutput(
  transport: SshTransport,
  commandLine: string,
  logFile: string,
  onChild: (child: ChildProcess | undefined) => void,
): Promise<FollowEnd> {
  const child = spawn("ssh", [...transport.options, transport.host, commandLine], {
    // stdin stays open and unwritten: its EOF on the host is how the loop there learns this client is gone.
    stdio: ["pipe", "pipe", "pipe"],
  });
  child.stdin.on("error", () => {});
  onChild(child);
  const log = createWriteStream(logFile, { flags: "a" });
  child.stdout.pipe(log);
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const [code] = (await Promise.race([
    once(child, "close"),
    once(child, "error").then(([error]) => [null, error]),
  ])) as [number | null, unknown];
  onChild(undefined);
  // Every byte received is on disk before the next offset is read from the file's size.
  if (!log.closed) await once(log.end(), "close");
  const exit = /^lanes-exit (\d+) (exit|timeout|killed)$/m.exec(stderr);
  if (exit) return { kind: "exited", code: Number(exit[1]), why: exit[2] as "exit" | "timeout" | "killed" };
  if (/^lanes-lost$/m.test(stderr)) return { kind: "lost" };
  const { failure, detail } =
    code === 255
      ? sshFailure(stderr)
      : { failure: "connection dropped" as const, detail: stderr.trim() || `follow ended (${String(code)})` };
  return { kind: "dropped", error: new RemoteError(transport.lane, transport.host, failure, detail) };
}
