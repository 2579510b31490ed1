import { closeSync, fstatSync, openSync, readSync, statSync } from "node:fs";

const decoder = new TextDecoder("utf-8", { fatal: false });

/** Bytes at the start of `bytes` that continue a character begun before the window (0b10xxxxxx). */
function leadingContinuationBytes(bytes: Uint8Array): number {
  let count = 0;
  while (count < 3 && count < bytes.length && ((bytes[count] ?? 0) & 0xc0) === 0x80) count++;
  return count;
}

/** Bytes at the end of `bytes` that start a character the window cuts off. */
export function trailingPartialBytes(bytes: Uint8Array): number {
  for (let back = 1; back <= Math.min(4, bytes.length); back++) {
    const byte = bytes[bytes.length - back] ?? 0;
    if ((byte & 0xc0) === 0x80) continue;
    const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return needed > back ? back : 0;
  }
  return 0;
}

/** Decodes a byte window without inventing replacement characters at its cut edges. */
export function decodeWindow(bytes: Uint8Array, cutStart: boolean, cutEnd: boolean): string {
  const start = cutStart ? leadingContinuationBytes(bytes) : 0;
  const end = cutEnd ? bytes.length - trailingPartialBytes(bytes) : bytes.length;
  return decoder.decode(bytes.subarray(start, Math.max(start, end)));
}

export interface FileWindow {
  text: string;
  /** Offset of the first byte read and one past the last. */
  start: number;
  end: number;
  size: number;
}

/** Reads bytes [start, start + length) of a file, aligned to whole UTF-8 characters. */
export function readWindow(file: string, start: number, length: number): FileWindow {
  const fd = openSync(file, "r");
  try {
    const size = fstatSync(fd).size;
    const from = Math.max(0, Math.min(start, size));
    const to = Math.min(size, from + Math.max(0, length));
    const buffer = Buffer.alloc(to - from);
    let read = 0;
    while (read < buffer.length) {
      const n = readSync(fd, buffer, read, buffer.length - read, from + read);
      if (n === 0) break;
      read += n;
    }
    const bytes = buffer.subarray(0, read);
    return { text: decodeWindow(bytes, from > 0, from + read < size), start: from, end: from + read, size };
  } finally {
    closeSync(fd);
  }
}

/** The last `maxBytes` of a file (or all of it), decoded. Missing file = empty. */
export function readTail(file: string, maxBytes: number): FileWindow {
  try {
    const fd = openSync(file, "r");
    const size = fstatSync(fd).size;
    closeSync(fd);
    return readWindow(file, Math.max(0, size - maxBytes), maxBytes);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { text: "", start: 0, end: 0, size: 0 };
    throw error;
  }
}

/** Bytes at the end of a file that start a character not yet complete (a writer is mid-character). */
export function partialTailBytes(file: string, size: number): number {
  if (size === 0) return 0;
  const bytes = Buffer.alloc(Math.min(4, size));
  const fd = openSync(file, "r");
  try {
    readSync(fd, bytes, 0, bytes.length, size - bytes.length);
  } finally {
    closeSync(fd);
  }
  return trailingPartialBytes(bytes);
}

/** A file's size, 0 when it does not exist (yet). */
export function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}
