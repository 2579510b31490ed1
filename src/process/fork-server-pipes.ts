import { closeSync, constants, openSync, readSync, realpathSync, rmSync, writeSync } from "node:fs";
import { Socket } from "node:net";
import { sleepSync } from "../async/blocking-wait.js";

// The lanes side of the fork server's pipes: non-blocking writes and reads with a deadline, the stdin FIFO.

/** The server could not take a request (it died, or refused it): the caller starts a perl of its own. */
export class ForkServerRefused extends Error {
  override name = "ForkServerRefused";
  constructor(
    readonly reason: "gone" | { refused: string },
    detail?: string,
  ) {
    const gone = `the fork server is gone${detail === undefined ? "" : ` (${detail})`}`;
    super(reason === "gone" ? gone : `the fork server refused: ${reason.refused}`);
  }
}

/** Writes all of `text` to the non-blocking request FIFO, napping while the server drains a full pipe. */
export function writeAll(fd: number, text: string, deadlineMs: number): void {
  const bytes = Buffer.from(text);
  const started = Date.now();
  for (let at = 0; at < bytes.length;) {
    try {
      at += writeSync(fd, bytes, at);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EAGAIN") throw error;
      if (Date.now() - started > deadlineMs) throw new ReplyOverdue();
      sleepSync(1);
    }
  }
}

/** A reply takes one fork; a server that has not answered by then is stopped or wedged, never just slow. */
export const REPLY_DEADLINE_MS = 5000;

export class ReplyOverdue extends Error {}

export const realOrSelf = (path: string): string => {
  try {
    return path === "" ? "" : realpathSync(path);
  } catch {
    return path;
  }
};

/**
 * One reply line from the non-blocking reply pipe: the server answers each request with a fork, so lanes
 * polls rather than blocking for ever on a server that was stopped. It naps from the first miss, 0.05 ms
 * doubling to 1 ms: a spin took a CPU from the very fork it waited for (2 cores, a burst of tasks). EOF: it
 * died; past `deadlineMs`: ReplyOverdue.
 */
export function readLine(fd: number, deadlineMs: number): string {
  const buffer = Buffer.alloc(512);
  const started = Date.now();
  let line = "";
  let nap = 0.05;
  while (!line.endsWith("\n")) {
    let got: number;
    try {
      got = readSync(fd, buffer);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EAGAIN") throw error;
      if (Date.now() - started > deadlineMs) throw new ReplyOverdue();
      sleepSync(nap);
      nap = Math.min(1, nap * 2);
      continue;
    }
    if (got === 0) throw new ForkServerRefused("gone");
    line += buffer.toString("utf8", 0, got);
  }
  return line.slice(0, -1);
}

/** The write end of the task's stdin FIFO (its leader holds the read end), unlinked at once. */
export function openInput(fifo: string): Socket | null {
  try {
    const fd = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
    return new Socket({ fd, readable: false, writable: true });
  } catch {
    // ENXIO: the leader already ended (and closed it); there is nobody to write to.
    return null;
  } finally {
    rmSync(fifo, { force: true });
  }
}

export function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Closed already.
  }
}
