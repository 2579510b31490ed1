import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { closeSync, constants, openSync, rmSync, writeSync } from "node:fs";
import { Socket } from "node:net";
import { join } from "node:path";
import type { Readable, Writable } from "node:stream";
import { setTimeout as delay } from "node:timers/promises";

/**
 * Where an attached command's output is shown as it comes (`lanes run`), stdout and stderr apart, while the
 * task's log still gets both, interleaved in the order they arrived.
 */
export interface OutputMirror {
  stdout: Writable;
  stderr: Writable;
}

/** One real pipe: the command writes to `writeFd`, lanes reads `reader`. */
export interface MirrorPipe {
  writeFd: number;
  reader: Readable;
}

/**
 * Real pipes, not the socket pairs Node's `stdio: "pipe"` gives: when the reader closes, the writer gets EPIPE
 * and SIGPIPE as in a shell pipeline (a socket gives "Connection reset by peer" instead), and the command sees a
 * pipe on its stdout as it would under `sh`. Node cannot make a pipe, so a FIFO (one `mkfifo` for all) is
 * opened at both ends and unlinked at once, in the first of `dirs` where that works (a filesystem may not
 * hold FIFOs: WSL's /mnt/c, some network mounts). Undefined when none does: the caller falls back to Node's.
 */
export function openPipes(dirs: string[], count: number): MirrorPipe[] | undefined {
  for (const dir of dirs) {
    const pipes = openPipesIn(dir, count);
    if (pipes) return pipes;
  }
  return undefined;
}

function openPipesIn(dir: string, count: number): MirrorPipe[] | undefined {
  const paths = Array.from({ length: count }, () => join(dir, `.lanes-pipe-${process.pid}-${randomUUID()}`));
  const fds: number[] = [];
  try {
    execFileSync("mkfifo", ["-m", "600", ...paths], { stdio: "ignore" });
    return paths.map((path) => {
      const readFd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
      fds.push(readFd);
      // A reader is open, so this does not block; the command gets a blocking pipe, as from a shell.
      const writeFd = openSync(path, constants.O_WRONLY);
      fds.push(writeFd);
      return { writeFd, reader: new Socket({ fd: readFd, readable: true, writable: false }) };
    });
  } catch {
    for (const fd of fds) closeQuietly(fd);
    return undefined;
  } finally {
    for (const path of paths) rmSync(path, { force: true });
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // A Socket may own it already; it is closed with the Socket.
  }
}

/**
 * Copies one of the command's pipes into the log descriptor and onto `target`. A slow target pauses the pipe
 * (so the command blocks on its writes, as in a terminal): memory holds at most one chunk per stream. A closed
 * target (`lanes run CMD | head -1`) closes the pipe, so the command gets SIGPIPE at its next write, as in a
 * shell pipeline. Resolves once the pipe has ended or been closed.
 */
export function mirrorPipe(source: Readable, logFd: number, target: Writable): Promise<void> {
  return new Promise((resolve) => {
    const log = new LineHoldingLog(logFd);
    const stop = (): void => {
      source.destroy();
    };
    const onTargetError = (): void => stop();
    target.on("error", onTargetError);
    source.on("data", (chunk: Buffer) => {
      log.append(chunk);
      if (target.destroyed || target.writableEnded) return stop();
      if (!target.write(chunk)) {
        source.pause();
        target.once("drain", () => source.resume());
      }
    });
    source.once("close", () => {
      log.flush();
      target.off("error", onTargetError);
      resolve();
    });
    // A read error (the pipe torn down) ends the copy like an end of file; the exit code says what happened.
    source.on("error", () => {});
  });
}

// A line still open after this long (a prompt, a progress bar) goes to the log anyway, where the stall and
// notify_on watchers read it.
const HOLD_MS = 100;
const HOLD_MAX_BYTES = 64 * 1024;

/**
 * One stream's share of the log. Two streams read through two pipes arrive in chunks that split lines, so each
 * stream's unfinished last line is held back until it ends (or for HOLD_MS): stdout and stderr then interleave
 * in the log line by line, never inside a line.
 */
class LineHoldingLog {
  private held: Buffer = Buffer.alloc(0);
  private timer: NodeJS.Timeout | undefined;
  private writable = true;

  constructor(private readonly fd: number) {}

  append(chunk: Buffer): void {
    const data = this.held.length > 0 ? Buffer.concat([this.held, chunk]) : chunk;
    const lineEnd = data.lastIndexOf(10) + 1;
    const cut = lineEnd === 0 && data.length >= HOLD_MAX_BYTES ? data.length : lineEnd;
    this.write(data.subarray(0, cut));
    this.held = Buffer.from(data.subarray(cut));
    clearTimeout(this.timer);
    if (this.held.length > 0) this.timer = setTimeout(() => this.flush(), HOLD_MS).unref();
  }

  flush(): void {
    clearTimeout(this.timer);
    this.write(this.held);
    this.held = Buffer.alloc(0);
  }

  private write(bytes: Buffer): void {
    // A log that cannot take more (a full disk) must not stop what the user sees, nor crash lanes.
    if (this.writable && bytes.length > 0) this.writable = writeAll(this.fd, bytes);
  }
}

function writeAll(fd: number, chunk: Buffer): boolean {
  try {
    let offset = 0;
    while (offset < chunk.length) offset += writeSync(fd, chunk, offset, chunk.length - offset);
    return true;
  } catch {
    return false;
  }
}

// After the leader exits, how long a mirrored pipe may stay open: something that escaped the group (setsid)
// can hold it forever, and the user's command has ended.
const MIRROR_DRAIN_MS = 1_000;

/**
 * Waits for the mirrored pipes to end. One still open MIRROR_DRAIN_MS after the leader's exit is closed,
 * whoever holds it, unless it is paused because the user's side is slow (`lanes run CMD | less`): that output
 * is still to be shown.
 */
export async function drained(mirrored: Promise<void>, readers: Readable[]): Promise<void> {
  let done = false;
  void mirrored.then(() => (done = true));
  while (!done) {
    await Promise.race([mirrored, delay(MIRROR_DRAIN_MS, undefined, { ref: false })]);
    if (done || readers.some((reader) => reader.isPaused())) continue;
    for (const reader of readers) reader.destroy();
  }
  await mirrored;
}
