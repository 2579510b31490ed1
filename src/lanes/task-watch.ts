import { statSync } from "node:fs";
import { PatternTimeout, type Pattern } from "../patterns/pattern.js";
import { lastLines } from "../text/preview.js";
import { readTail, readWindow } from "../text/utf8-window.js";

/** What the watcher learns about one running task on a tick. */
export interface WatchFindings {
  outputBytes: number;
  /** The first line matching notify_on, once. */
  matchedLine?: string | undefined;
  /** Set once when notify_on was given up on (matching ran past its deadline): why. */
  patternFailed?: string | undefined;
  /** Set once when the task has been silent for stall_ms. */
  stalledLastLine?: string | undefined;
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
  /** A match job is in the worker; its answer is reported on the tick after it arrives. */
  private matching = false;
  private found: { line?: string; failed?: string } | undefined;
  private stallReported = false;
  private partialLine = "";

  constructor(
    private readonly outputFile: string,
    private readonly options: {
      notifyOn?: Pattern | undefined;
      stallMs?: number | undefined;
      outputCapBytes: number;
    },
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
    if (this.found) {
      findings.matchedLine = this.found.line;
      findings.patternFailed = this.found.failed;
      this.found = undefined;
    }
    // Output not yet scanned is scanned once the previous job answered, even if the log stopped growing.
    if (this.options.notifyOn && !this.matched && !this.matching && size > this.scannedTo) {
      this.scanForMatch(size, this.options.notifyOn);
    }
    if (size > this.lastSize) {
      this.lastSize = size;
      this.lastGrowthAt = now;
      this.stallReported = false;
    } else if (this.options.stallMs !== undefined && !this.stallReported) {
      if (now - this.lastGrowthAt >= this.options.stallMs) {
        this.stallReported = true;
        findings.stalledLastLine = lastLines(readTail(this.outputFile, 4096).text, 1);
      }
    }
    return findings;
  }

  /** Hands the unscanned output to the pattern worker; the answer comes back on a later tick. */
  private scanForMatch(size: number, pattern: Pattern): void {
    // Under a flood, skip ahead rather than fall behind: a match deep inside a skipped gigabyte is lost.
    if (size - this.scannedTo > SCAN_BYTES_PER_TICK) {
      this.scannedTo = size - SCAN_BYTES_PER_TICK;
      this.partialLine = "";
    }
    const window = readWindow(this.outputFile, this.scannedTo, size - this.scannedTo);
    this.scannedTo = window.end;
    const text = this.partialLine + window.text;
    // An unfinished last line (a prompt, "ready> ") is matched now and again once it is complete.
    this.partialLine = text.slice(text.lastIndexOf("\n") + 1).slice(-4096);
    this.matching = true;
    pattern.firstMatch(text).then(
      (line) => {
        this.matching = false;
        if (line === undefined || this.matched) return;
        this.matched = true;
        this.found = { line };
      },
      (error: unknown) => {
        this.matching = false;
        this.matched = true;
        const why = error instanceof PatternTimeout ? error.message : `matching failed: ${String(error)}`;
        this.found = { failed: why };
      },
    );
  }
}
