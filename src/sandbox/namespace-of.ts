import { readlinkSync } from "node:fs";

/** The namespace of a kind a process is in ("net:[4026532181]"), or undefined once it is gone. */
export function namespaceOf(pid: number | "self", kind: string): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/${kind}`);
  } catch {
    return undefined;
  }
}

/**
 * The namespace files a launcher enters, in an order the kernel allows (each setns needs CAP_SYS_ADMIN in the
 * caller's current user namespace too): the shared network's first (its user namespace, then its network).
 * Unprivileged, bubblewrap built the sandbox's namespaces in a user namespace of its own (inside the shared
 * one's) and runs the holder in a second one inside that: the first (the mount namespace's owner), then the
 * network when the holder has its own, ipc, uts, mount and pid, and last the holder's own user namespace, as
 * bubblewrap leaves a command (no capability over the namespace that owns its mounts).
 */
export function entryOrder(pid: number, shared: string[]): string[] {
  const self = (kind: string) => namespaceOf("self", kind);
  const own = (kind: string) => `/proc/${pid}/ns/${kind}`;
  const userns = namespaceOf(pid, "user") !== self("user");
  const net = shared.length === 0 && namespaceOf(pid, "net") !== self("net") ? [own("net")] : [];
  const kinds = [own("ipc"), own("uts"), own("mnt"), own("pid")];
  return [
    ...shared,
    ...(userns ? [`owner:${own("mnt")}`] : []),
    ...net,
    ...kinds,
    ...(userns ? [own("user")] : []),
  ];
}
