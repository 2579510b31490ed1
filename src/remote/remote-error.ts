/** What went wrong with a remote, as data: the CLI, the record and the model's line are written from it. */
export type RemoteFailure =
  | "unreachable"
  | "key refused"
  | "unknown host key"
  | "connection dropped"
  | "dir not writable"
  | "missing program"
  | "sync failed"
  | "start failed"
  | "unknown partition"
  | "slurm refused";

export class RemoteError extends Error {
  override name = "RemoteError";
  constructor(
    readonly lane: string,
    readonly host: string,
    readonly failure: RemoteFailure,
    readonly detail: string,
  ) {
    super(`remote lane ${lane} (${host}): ${failure}: ${detail}`);
  }
}

/** Reads ssh's own last words (stderr, exit 255) as one of the failures a user can act on. */
export function sshFailure(stderr: string): { failure: RemoteFailure; detail: string } {
  const lines = stderr.split("\n").map((line) => line.trim());
  const detail = lines.filter((line) => line !== "" && !line.startsWith("**")).pop() ?? "ssh exited 255";
  if (
    /Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|No .* host key is known/i.test(
      stderr,
    )
  )
    return { failure: "unknown host key", detail };
  if (/Permission denied|Too many authentication failures|no such identity/i.test(stderr))
    return { failure: "key refused", detail };
  if (
    /Connection refused|timed out|No route to host|Could not resolve|Network is unreachable|Name or service/i.test(
      stderr,
    )
  )
    return { failure: "unreachable", detail };
  return { failure: "connection dropped", detail };
}
