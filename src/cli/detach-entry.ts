import { readlinkSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

/** The network namespace a process is in, or undefined once it is gone. */
function netNamespace(pid: number | "self"): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/net`);
  } catch {
    return undefined;
  }
}

/**
 * A detached task enters the session's network namespace through its holder, which ends with this lanes:
 * waits (at most `limitMs`) until the task's launcher has entered it (its namespace is no longer ours) or has
 * gone, so an exit under load cannot take the namespace away first. Where commands get a namespace each (no
 * shared one), the launcher never changes namespace and the wait runs out.
 */
export async function waitUntilEntered(pid: number | null, limitMs = 1500): Promise<void> {
  if (pid === null) return;
  const ours = netNamespace("self");
  const deadline = Date.now() + limitMs;
  while (Date.now() < deadline) {
    const theirs = netNamespace(pid);
    if (theirs === undefined || theirs !== ours) return;
    await sleep(10);
  }
}
