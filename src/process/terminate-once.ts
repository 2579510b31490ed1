import { groupOf } from "./group-members.js";
import { markEnding } from "./ending-marker.js";
import { terminateGroup, type TerminateOutcome } from "./kill-group.js";
import type { TerminationReason } from "./process-result.js";

/** Ends a group once; every later request waits for the same end. The first cause is the one kept. */
export interface Termination {
  terminate(why: TerminationReason): Promise<void>;
  /** The first cause asked for; undefined while nobody asked. */
  readonly reason: TerminationReason | undefined;
  /** The first termination's outcome (which signal ended the group, and when); undefined if none began. */
  readonly ending: Promise<TerminateOutcome> | undefined;
  /** The leader was reaped: its pid may be another process's from now on, so it is never signalled alone. */
  markReaped(): void;
}

/**
 * A group TERMed this soon after its start may have a shell between fork and exec, which swallows it (the
 * child runs the parent's trap, then execs): 4 of 40 sandboxed tasks killed 4-27 ms after their start. Its
 * command's exec came up to 0.8 s after the start with 10 starting at once at load 6.5; 2 s covers that.
 */
const YOUNG_MS = 2_000;

/** `exitFile`: the command's, next to which it is marked as ended by lanes before the TERM (ending-marker.ts). */
export function terminateOnce(pid: number | undefined, graceMs: number, exitFile?: string): Termination {
  return new OnceTermination(pid, graceMs, exitFile);
}

class OnceTermination implements Termination {
  reason: TerminationReason | undefined;
  ending: Promise<TerminateOutcome> | undefined;
  private reaped = false;
  private readonly startedAt = Date.now();

  constructor(
    private readonly pid: number | undefined,
    private readonly graceMs: number,
    private readonly exitFile: string | undefined,
  ) {}

  markReaped(): void {
    this.reaped = true;
  }

  async terminate(why: TerminationReason): Promise<void> {
    this.reason ??= why;
    if (this.pid === undefined) return;
    // One TERM per termination: a timeout due, or a second kill asked, while the first one's grace runs waits
    // for that end. A second TERM would land in the command's own cleanup (a trap that reset its handler) and
    // end it there: CI's soak saw a task's trap cut before it wrote its file, at a timeout during shutdown.
    if (this.ending) {
      await this.ending;
      return;
    }
    // In the first milliseconds the launcher may not have made its group yet (it does so after its exec), so
    // a group signal would find nothing: then the launcher is alone, and is signalled itself. Not once reaped,
    // when its pid may be another process's. Whatever it started by then goes with the group at its exit.
    markEnding(this.exitFile);
    const group = groupOf(this.pid);
    if (!this.reaped && group !== undefined && group !== this.pid) signalProcess(this.pid, "SIGTERM");
    const young = Date.now() - this.startedAt < YOUNG_MS;
    const outcome = terminateGroup(this.pid, this.graceMs, undefined, young);
    this.ending ??= outcome;
    await outcome;
  }
}

function signalProcess(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Gone already.
  }
}
