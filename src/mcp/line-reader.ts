/** What is kept of a line longer than the limit: its size and its two ends, where a JSON-RPC id sits. */
export interface OverlongLine {
  /** Bytes in the line, without its newline. */
  size: number;
  head: string;
  tail: string;
}

/** How much of each end of an over-long line is kept. */
const END_BYTES = 4096;

/**
 * Splits a byte stream into newline-ended lines of at most `maxBytes` bytes. A longer line is skipped to its
 * newline without being held in memory: only its size and two ends are kept, so the stream goes on.
 */
export class LineReader {
  private parts: Buffer[] = [];
  private size = 0;
  /** Set while skipping an over-long line. */
  private overlong: { head: Buffer; tail: Buffer } | undefined;

  constructor(
    private readonly maxBytes: number,
    private readonly onLine: (line: string) => void,
    private readonly onOverlong: (line: OverlongLine) => void,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(0x0a, start);
      const end = newline === -1 ? chunk.length : newline;
      this.take(chunk.subarray(start, end));
      if (newline === -1) return;
      this.endLine();
      start = newline + 1;
    }
  }

  private take(piece: Buffer): void {
    if (piece.length === 0) return;
    this.size += piece.length;
    if (this.overlong) {
      this.overlong.tail = lastBytes(Buffer.concat([this.overlong.tail, piece]));
      return;
    }
    this.parts.push(piece);
    if (this.size <= this.maxBytes) return;
    const held = Buffer.concat(this.parts);
    this.overlong = { head: held.subarray(0, END_BYTES), tail: lastBytes(held) };
    this.parts = [];
  }

  private endLine(): void {
    const size = this.size;
    const overlong = this.overlong;
    const parts = this.parts;
    this.parts = [];
    this.size = 0;
    this.overlong = undefined;
    if (overlong) {
      this.onOverlong({ size, head: overlong.head.toString("utf8"), tail: overlong.tail.toString("utf8") });
      return;
    }
    const line = Buffer.concat(parts).toString("utf8").replace(/\r$/, "");
    // A blank line between messages is not a message: nothing to answer.
    if (line.trim() !== "") this.onLine(line);
  }
}

function lastBytes(buffer: Buffer): Buffer {
  // A copy, so the big chunk it came from can be freed.
  return Buffer.from(buffer.subarray(Math.max(0, buffer.length - END_BYTES)));
}
