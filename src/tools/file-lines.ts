import { read } from "node:fs";

const CHUNK_BYTES = 64 * 1024;
const NEWLINE = 0x0a;

export function readAt(fd: number, buffer: Buffer, position: number): Promise<number> {
  return new Promise((resolve, reject) => {
    read(fd, buffer, 0, buffer.length, position, (error, bytesRead) =>
      error ? reject(error) : resolve(bytesRead),
    );
  });
}

/** Reads a file in fixed chunks; the yielded buffer is reused, so copy what you keep. */
async function* chunks(fd: number, start: number, signal: AbortSignal): AsyncGenerator<Buffer> {
  const buffer = Buffer.alloc(CHUNK_BYTES);
  for (let position = start; ;) {
    signal.throwIfAborted();
    const bytesRead = await readAt(fd, buffer, position);
    if (bytesRead === 0) return;
    position += bytesRead;
    yield buffer.subarray(0, bytesRead);
  }
}

export interface WindowLine {
  /** 1-based line number. */
  number: number;
  /** The first bytes of the line (at most `maxLineBytes`), without the newline. */
  bytes: Buffer;
  /** Length of the whole line in bytes; null when reading stopped inside it. */
  totalBytes: number | null;
}

export interface LineWindow {
  lines: WindowLine[];
  /** "end": the file ended; "limit": `limit` lines were read; "bytes": the byte budget ran out. */
  stoppedBy: "end" | "limit" | "bytes";
  /** Lines seen in total, including those skipped before `offset`. */
  linesSeen: number;
  /** File position just after the last byte looked at. */
  nextByte: number;
}

export interface LineWindowOptions {
  offset: number;
  limit: number;
  /** Bytes to look at from the start of line `offset` before giving up. */
  maxBytes: number;
  /** Bytes kept per line; the rest of a long line is scanned but not stored. */
  maxLineBytes: number;
  signal: AbortSignal;
}

/** Lines [offset, offset + limit) of a file, holding only one chunk and the kept lines in memory. */
export async function readLineWindow(fd: number, options: LineWindowOptions): Promise<LineWindow> {
  const lines: WindowLine[] = [];
  let lineNumber = 1;
  let kept: Buffer[] = [];
  let keptBytes = 0;
  let lineBytes = 0;
  let looked = 0;
  let position = 0;
  const finishLine = (totalBytes: number | null) => {
    lines.push({ number: lineNumber, bytes: Buffer.concat(kept), totalBytes });
    kept = [];
    keptBytes = 0;
    lineBytes = 0;
  };
  for await (const chunk of chunks(fd, 0, options.signal)) {
    for (let from = 0; from < chunk.length;) {
      const newline = chunk.indexOf(NEWLINE, from);
      const end = newline === -1 ? chunk.length : newline;
      const consumed = (newline === -1 ? end : end + 1) - from;
      position += consumed;
      const inWindow = lineNumber >= options.offset;
      if (inWindow) {
        const piece = chunk.subarray(from, Math.min(end, from + options.maxLineBytes - keptBytes));
        if (piece.length > 0) kept.push(Buffer.from(piece));
        keptBytes += piece.length;
        looked += consumed;
      }
      lineBytes += end - from;
      from += consumed;
      if (newline === -1) {
        // Out of budget inside one long line: keep what we have of it and stop scanning.
        if (inWindow && looked >= options.maxBytes) {
          finishLine(null);
          return { lines, stoppedBy: "bytes", linesSeen: lineNumber, nextByte: position };
        }
        continue;
      }
      if (inWindow) finishLine(lineBytes);
      lineBytes = 0;
      lineNumber++;
      const seen = lineNumber - 1;
      if (lines.length >= options.limit)
        return { lines, stoppedBy: "limit", linesSeen: seen, nextByte: position };
      if (inWindow && looked >= options.maxBytes) {
        return { lines, stoppedBy: "bytes", linesSeen: seen, nextByte: position };
      }
    }
  }
  // A last line without a trailing newline is still a line.
  if (lineBytes > 0 || keptBytes > 0) {
    if (lineNumber >= options.offset) finishLine(lineBytes);
    lineNumber++;
  }
  return { lines, stoppedBy: "end", linesSeen: lineNumber - 1, nextByte: position };
}

/** Counts the lines from `start` to the end, giving up (null) after `maxBytes`. */
export async function countLinesFrom(
  fd: number,
  start: number,
  maxBytes: number,
  signal: AbortSignal,
): Promise<number | null> {
  let count = 0;
  let scanned = 0;
  let last = NEWLINE;
  for await (const chunk of chunks(fd, start, signal)) {
    for (let at = chunk.indexOf(NEWLINE); at !== -1; at = chunk.indexOf(NEWLINE, at + 1)) count++;
    last = chunk[chunk.length - 1] ?? NEWLINE;
    scanned += chunk.length;
    if (scanned > maxBytes) return null;
  }
  return last === NEWLINE ? count : count + 1;
}
