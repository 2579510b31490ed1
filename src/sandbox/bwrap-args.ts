import { readdirSync } from "node:fs";
import type { ProtectionMounts } from "./mount-points.js";
import { livePathFacts, type PathFacts } from "./path-facts.js";
import type { SandboxPolicy } from "./policy.js";

export interface MountContext {
  workspace: string;
  /** lanes' own folder: records, logs, exit files. Read-only inside, whatever writable root holds it. */
  lanesDir: string;
  /** Writable temp folders (workspace-write). */
  tempRoots: string[];
  /** Folder of the proxy's socket: bound read-only so no command can replace the socket. */
  proxyDir?: string | undefined;
  /** The ssh agent's socket, hidden like the credentials. */
  sshAuthSock?: string | undefined;
  /** The command already runs in the session's shared network namespace (shared-network.ts). */
  sharedNetwork?: boolean | undefined;
  /** Files run later outside (git hooks, .vscode/, ...), kept from writes inside the writable roots. */
  protection?: Pick<ProtectionMounts, "pins" | "mounts"> | undefined;
  /** Where real paths and folder checks come from (a session's sandbox remembers them for a moment). */
  facts?: PathFacts | undefined;
}

function emptyFolder(path: string): boolean {
  try {
    return readdirSync(path).length === 0;
  } catch {
    return false;
  }
}

/** The writable roots bubblewrap binds: real paths of existing folders, each once. */
export function boundRoots(roots: readonly string[], facts: PathFacts = livePathFacts): string[] {
  const paths = roots
    .map((root) => facts.real(root))
    .filter((path): path is string => path !== undefined && facts.isDir(path));
  return [...new Set(paths)];
}

/**
 * bubblewrap's arguments for one command. Later mounts win, so the order is: the whole host read-only,
 * writable roots, the protected paths (their folders pinned first), lanes' folder read-only again, the proxy socket read-only, then every hidden path.
 *
 * Deliberately absent: --new-session and --die-with-parent (a task keeps lanes' process group, so TERM then
 * KILL to the group reaches everything; it survives a crash of lanes to be adopted, and `persist` outlives
 * it). --unshare-pid stays: nothing inside can see or signal a process outside.
 */
export function bwrapArgs(policy: SandboxPolicy, context: MountContext, cwd: string): string[] {
  const facts = context.facts ?? livePathFacts;
  const real = (path: string): string | undefined => facts.real(path);
  const args = ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"];
  // The terminal lanes runs in is not the command's: /dev/tty would let it type into the REPL (TIOCSTI).
  args.push("--ro-bind", "/dev/null", "/dev/tty");
  args.push("--unshare-pid", "--unshare-ipc", "--unshare-uts", "--cap-drop", "ALL");
  if (policy.network !== "on" && !context.sharedNetwork) args.push("--unshare-net");
  if (policy.mode === "workspace-write") {
    for (const path of boundRoots(
      [context.workspace, ...context.tempRoots, ...policy.writableRoots],
      facts,
    )) {
      args.push("--bind", path, path);
    }
    // Without "-try": a protected path that vanished before bwrap ran fails the start, never opens a hole.
    for (const pin of context.protection?.pins ?? []) args.push("--bind", pin, pin);
    for (const { path, how } of context.protection?.mounts ?? []) {
      if (how === "scratch") args.push("--tmpfs", path);
      // An empty folder (a mount point, maybe another lanes' that it removes before bwrap runs) needs no
      // source: an empty read-only tmpfs shows the same and cannot fail the start.
      else if (emptyFolder(path)) args.push("--tmpfs", path, "--remount-ro", path);
      else args.push("--ro-bind", path, path);
    }
  }
  // "-try": bwrap reads its arguments after lanes spawned it; a lanes that exited at once (`lanes run
  // --detach`) may have removed its proxy folder by then. The task then starts without a proxy to reach.
  const lanesDir = real(context.lanesDir);
  if (lanesDir !== undefined) args.push("--ro-bind-try", lanesDir, lanesDir);
  const proxyDir = context.proxyDir === undefined ? undefined : real(context.proxyDir);
  if (proxyDir !== undefined) args.push("--ro-bind-try", proxyDir, proxyDir);
  const hidden = [...policy.denyRead, ...(context.sshAuthSock ? [context.sshAuthSock] : [])];
  // Through its real path: a symlinked ~/.ssh is hidden where it points (bwrap follows the link anyway).
  // Asked live: a secret the user just created must be hidden from the very next command.
  const targets = new Set(
    hidden.map(livePathFacts.real).filter((path): path is string => path !== undefined),
  );
  for (const path of targets) {
    if (livePathFacts.isDir(path)) args.push("--tmpfs", path, "--remount-ro", path);
    else args.push("--ro-bind", "/dev/null", path);
  }
  args.push("--chdir", cwd);
  return args;
}
