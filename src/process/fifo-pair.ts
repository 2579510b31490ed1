import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { closeSync, constants, openSync, rmSync } from "node:fs";
import { join } from "node:path";

/** One pipe between lanes and the fork server: lanes keeps `laneFd`, the server is given `serverFd`. */
export interface FifoEnds {
  laneFd: number;
  serverFd: number;
}

/**
 * Two pipes whose ends on lanes' side are plain descriptors (Node's own pipes are sockets read by its event
 * loop, which a synchronous request and reply cannot use): `requests` lanes writes, `replies` lanes reads, EOF once the server is gone.
 * Node cannot make a pipe, so FIFOs are made (one mkfifo), opened and unlinked at once. Throws if `dir`
 * cannot hold FIFOs; nothing is left open then.
 */
export function openFifoPair(dir: string): { requests: FifoEnds; replies: FifoEnds } {
  const paths = [0, 1].map((n) => join(dir, `.lanes-fork-${process.pid}-${n}-${randomUUID()}`));
  const [requestPath = "", replyPath = ""] = paths;
  const opened: number[] = [];
  const open = (path: string, flags: number): number => {
    const fd = openSync(path, flags);
    opened.push(fd);
    return fd;
  };
  try {
    execFileSync("mkfifo", ["-m", "600", ...paths], { stdio: "ignore" });
    const serverIn = open(requestPath, constants.O_RDONLY | constants.O_NONBLOCK);
    const requests = open(requestPath, constants.O_WRONLY);
    // Non-blocking: lanes polls a reply with a deadline (fork-server.ts), so a stopped server cannot hang it.
    const replies = open(replyPath, constants.O_RDONLY | constants.O_NONBLOCK);
    const serverOut = open(replyPath, constants.O_WRONLY);
    return {
      requests: { laneFd: requests, serverFd: serverIn },
      replies: { laneFd: replies, serverFd: serverOut },
    };
  } catch (error) {
    for (const fd of opened) closeSync(fd);
    throw error;
  } finally {
    for (const path of paths) rmSync(path, { force: true });
  }
}
