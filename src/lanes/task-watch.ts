import { statSync } from "node:fs";
import { lastLines } from "../text/preview.js";
import { readTail, readWindow } from "../text/utf8-window.js";

/** What the watcher learns about one running task on a tick. */
export interface WatchFindings {
  outputBytes: number;
  /** The first line matching notify_on, once. */
  matchedLine?: string;
  /** Set once when the task has been silent for stall_ms. */
  stalledLastLine?: string;
  overCap: boolean;
}

const SCAN_BYTES_PER_TICK = 1024 * 1024;

/**
 * Per-task output observer, polled by the lane manager's single ticker: output size, first regex match,
 * silence. It reads only bytes not yet scanned (bounded per tick), so a flood never costs memory.
 */
export class TaskWatch {
  private scannedTo = 0;
  private lastSize = 0;
  private lastGrowthAt: number;
  private matched = false;
  private stallReported = false;
  private partialLine = "";

  constructor(
    private readonly outputFile: string,
    private readonly options: { notifyOn?: RegExp; stallMs?: number; outputCapBytes: number },
    now: number,
  ) {
    this.lastGrowthAt = now;
  }

  tick(now: number): WatchFindings {
    let size = this.lastSize;
    try {
      size = statSync(this.outputFile).size;
    } catch {
      // The log vanished (deleted by hand); keep the last known size.
    }
    const findings: WatchFindings = { outputBytes: size, overCap: size > this.options.outputCapBytes };
    if (size > this.lastSize) {
      this.lastSize = size;
      this.lastGrowthAt = now;
      this.stallReported = false;
      if (this.options.notifyOn && !this.matched) {
        const line = this.scanForMatch(size, this.options.notifyOn);
        if (line !== undefined) {
          this.matched = true;
          findings.matchedLine = line;
        }
      }
    } else if (this.options.stallMs !== undefined && !this.stallReported) {
      if (now - this.lastGrowthAt >= this.options.stallMs) {
        this.stallReported = true;
        findings.stalledLastLine = lastLines(readTail(this.outputFile, 4096).text, 1);
      }
    }
    return findings;
  }

  private scanForMatch(size: number, pattern: RegExp): string | undefined {
    // Under a flood, skip ahead rather than fall behind: a match deep inside a skipped gigabyte is lost.
    if (size - this.scannedTo > SCAN_BYTES_PER_TICK) {
      this.scannedTo = size - SCAN_BYTES_PER_TICK;
      this.partialLine = "";
    }
    const window = readWindow(this.outputFile, this.scannedTo, size - this.scannedTo);
    this.scannedTo = window.end;
    const lines = (this.partialLine + window.text).split("\n");
    this.partialLine = (lines.pop() ?? "").slice(-4096);
    const hit = lines.find((line) => pattern.test(line));
    if (hit !== undefined) return hit;
    return pattern.test(this.partialLine) ? this.partialLine : undefined;
  }
}
