import { randomUUID } from "node:crypto";
import { closeSync, constants, existsSync, openSync, rmSync } from "node:fs";
import { join } from "node:path";
import { waitUntilSync } from "../async/blocking-wait.js";

/** The two FIFOs between lanes and the fork server: `requests` lanes writes, `replies` lanes reads. */
export interface FifoPaths {
  requests: string;
  replies: string;
}

/** lanes' plain descriptors on them (Node's own pipes are sockets its event loop reads, not synchronously). */
export interface LaneEnds {
  requestFd: number;
  replyFd: number;
}

/** Fresh paths in `dir` for the server to make its FIFOs at (unguessable: nobody else can make them first). */
export function fifoPaths(dir: string): FifoPaths {
  const path = (n: number): string => join(dir, `.lanes-fork-${process.pid}-${n}-${randomUUID()}`);
  return { requests: path(0), replies: path(1) };
}

/**
 * Opens lanes' ends once the server made both FIFOs (node cannot make one: a `mkfifo` child cost each lanes
 * and each agent's worker a process start on its first task). The server makes the reply FIFO only after it
 * opened the request FIFO for reading, so the write end opens at once (never blocking on a reader). Undefined
 * when the server went away or made none within `timeoutMs`: then `why` says which (the fork server's
 * refusal carries it, so a launch that fell back to a spawn can be told apart). The paths are unlinked either
 * way.
 */
export function openLaneEnds(
  paths: FifoPaths,
  serverAlive: () => boolean,
  timeoutMs: number,
): LaneEnds | { why: string } {
  const opened: number[] = [];
  try {
    const made = waitUntilSync(() => existsSync(paths.replies) || !serverAlive(), timeoutMs, 1);
    if (!made) return { why: `it made no FIFOs within ${timeoutMs} ms` };
    if (!existsSync(paths.replies)) return { why: "it exited before making its FIFOs" };
    // Non-blocking both: a server gone meanwhile is ENXIO here, not a hang; replies are polled with a deadline.
    opened.push(openSync(paths.requests, constants.O_WRONLY | constants.O_NONBLOCK));
    opened.push(openSync(paths.replies, constants.O_RDONLY | constants.O_NONBLOCK));
    const [requestFd = -1, replyFd = -1] = opened;
    return { requestFd, replyFd };
  } catch (error) {
    for (const fd of opened) closeSync(fd);
    return { why: `its FIFOs would not open: ${(error as Error).message}` };
  } finally {
    removeFifos(paths);
  }
}

export function removeFifos(paths: FifoPaths): void {
  for (const path of [paths.requests, paths.replies]) rmSync(path, { force: true });
}
