import { EventEmitter } from "node:events";
import { constants as osConstants } from "node:os";
import type { Writable } from "node:stream";
import { runningNotZombie } from "./proc-stat.js";

/** What the runtime needs of a group's leader: a spawned ChildProcess, or one the fork server started. */
export interface LeaderProcess {
  readonly pid?: number | undefined;
  readonly stdin: Writable | null;
  once(event: "exit", listener: (code: number | null, signal: NodeJS.Signals | null) => void): unknown;
  once(event: "error", listener: (error: Error) => void): unknown;
  /** It no longer keeps lanes alive (a persisted task that outlives it). */
  unref(): void;
}

/** How often a leader whose server died is looked for (the pid + exit-file path adopted tasks use). */
const ORPHAN_POLL_MS = 250;

/**
 * A task's leader forked by the fork server: not lanes' child, so its end comes as the server's `E` line.
 * `hold` says whether it keeps lanes alive (as a spawned child does until it is released).
 */
export class ServedLeader extends EventEmitter implements LeaderProcess {
  private ended = false;
  private poll: NodeJS.Timeout | undefined;
  private held = true;

  constructor(
    readonly pid: number,
    readonly stdin: Writable | null,
    private readonly hold: (held: boolean) => void,
  ) {
    super();
    hold(true);
  }

  /** The server reaped it: `status` is the wait status (exit code << 8, or the signal's number). */
  exited(status: number): void {
    const signal = status & 127;
    const name = Object.entries(osConstants.signals).find(([, n]) => n === signal)?.[0];
    this.end(signal ? null : status >> 8, signal ? ((name ?? null) as NodeJS.Signals | null) : null);
  }

  /** It could not set up (its cwd or log could not be opened): nothing of the command ran. */
  failed(why: string): void {
    if (this.ended || this.listenerCount("error") === 0) return;
    this.emit("error", new Error(why));
  }

  /**
   * The server died before reporting it: from now on it is watched from outside, by its pid, as an adopted
   * task is; the exit file it writes says how it ended (group-result.ts reads it), a signal it died of too.
   */
  orphaned(): void {
    if (this.ended || this.poll) return;
    this.poll = setInterval(() => {
      if (!runningNotZombie(this.pid)) this.end(null, null);
    }, ORPHAN_POLL_MS);
    if (!this.held) this.poll.unref();
  }

  unref(): void {
    this.poll?.unref();
    this.release();
  }

  private end(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.ended) return;
    this.ended = true;
    clearInterval(this.poll);
    // As Node does for a child's stdin at its exit: the write end would keep lanes alive, and leak.
    this.stdin?.destroy();
    this.release();
    this.emit("exit", code, signal);
  }

  private release(): void {
    if (!this.held) return;
    this.held = false;
    this.hold(false);
  }
}
