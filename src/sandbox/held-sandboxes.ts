import { waitUntilSync } from "../async/blocking-wait.js";
import { archSyscalls } from "../process/linux-syscalls.js";
import { findPerl, launcherEntersNamespaces } from "../process/own-group-launch.js";
import { HeldSandbox } from "./held-sandbox.js";

/** How long a layout's holder stays up with no command in it (a burst, a turn's next command). */
const IDLE_MS = 3_000;
/**
 * A burst's command that starts its holder. A holder costs a bubblewrap and a perl (20-30 ms of CPU) and 5-12 ms
 * to end at lanes' close, and comes up 30-80 ms after it is asked for: the commands of a burst of two or three
 * have all started by then, each in a bubblewrap of its own. Asked for by the second, it cost 3 commands 20 ms
 * of wall (fresh processes side by side: median 2,140 → 2,118 ms for 3 `sleep 2`); from the fourth, bursts of
 * 10 and 50 took as long as before (2,198 / 2,185 and 2,407 / 2,401 ms).
 */
export const HOLDER_AT = 4;

/** What a held sandbox's start needs beyond its layout. */
export interface LayoutStart {
  bwrap: string;
  /** bubblewrap's arguments for the layout (a command's, less its folder). */
  args: string[];
  /** The shared network's namespaces, or none. */
  namespaces: string[];
  /** Its own hold on the layout's mount points, released when the holder exits. */
  hold: () => () => void;
}

/** Entering a held sandbox: the namespaces, and what the command's start and end must tell the pool. */
export interface HeldEntry {
  namespaces: string[];
  spawned: (pid: number) => void;
  ended: () => void;
}

/**
 * The session's held sandboxes, one per layout (bubblewrap's arguments less the folder): a burst of commands
 * shares one; a new layout (a secret just created, a protected path that appeared) starts another, and the
 * old one is retired once its commands have ended. Off (null) for the session once a holder would not start:
 * commands then get a bubblewrap each, as before.
 */
export class HeldSandboxes {
  private readonly byLayout = new Map<string, HeldSandbox>();
  /** Every holder up, retiring ones included: close() ends them all. */
  private readonly up = new Set<HeldSandbox>();
  /** Launchers told to enter a holder, until they have (a holder retired meanwhile must wait for them). */
  private readonly entering = new Map<number, HeldSandbox>();
  private off: boolean;
  /** When a command of each layout last started without a holder: the next one soon after starts one. */
  private readonly lone = new Map<string, { at: number; count: number }>();

  constructor(enabled: boolean) {
    const calls = archSyscalls();
    this.off = !enabled || !launcherEntersNamespaces() || calls === undefined;
  }

  /** Whether commands may run in held sandboxes (false: a bubblewrap each, its own pid namespace). */
  get enabled(): boolean {
    return !this.off;
  }

  /**
   * The entry into the layout's holder; undefined when this command gets a bubblewrap of its own: a lone one
   * (none of its layout in the last IDLE_MS), or one while the holder the burst started is still coming up
   * (no command waits for it: a burst's first commands stay alike, so their ends still land together).
   */
  entry(layout: LayoutStart): HeldEntry | undefined {
    if (this.off) return undefined;
    const key = JSON.stringify([layout.bwrap, layout.args, layout.namespaces]);
    let held = this.byLayout.get(key);
    const state = held?.settle();
    if (held && (state === "failed" || (state === "up" && !held.alive))) {
      this.byLayout.delete(key);
      // One that would not come up: the session keeps a bubblewrap per command.
      if (state === "failed") this.off = true;
      held = undefined;
    }
    if (this.off) return undefined;
    const lone = this.isLone(key);
    if (!held || state !== "up") {
      if (!held && !lone) this.spawn(key, layout);
      return undefined;
    }
    const holder = held;
    holder.use();
    let launcher: number | undefined;
    return {
      namespaces: holder.namespaces,
      spawned: (pid) => this.entering.set((launcher = pid), holder),
      ended: () => {
        if (launcher !== undefined) this.entering.delete(launcher);
        holder.done(IDLE_MS);
      },
    };
  }

  /**
   * Retires every holder once the launchers on their way in have entered (at most `limitMs`; this runs at
   * shutdown, maybe in an exit handler). Holders with tasks in them stay up until those end.
   */
  close(limitMs: number): void {
    waitUntilSync(() => this.pendingEntries() === 0, limitMs, 5);
    this.entering.clear();
    for (const held of this.up) held.close();
    this.up.clear();
    this.byLayout.clear();
  }

  /**
   * Whether this command gets a bubblewrap of its own for want of a burst: fewer than HOLDER_AT of its layout
   * have started, each within IDLE_MS of the one before. The HOLDER_AT-th starts the holder the rest enter.
   */
  private isLone(key: string): boolean {
    const now = Date.now();
    const last = this.lone.get(key);
    for (const [other, seen] of this.lone) if (now - seen.at > IDLE_MS) this.lone.delete(other);
    const count = last === undefined || now - last.at > IDLE_MS ? 1 : last.count + 1;
    this.lone.set(key, { at: now, count });
    return count < HOLDER_AT;
  }

  private spawn(key: string, layout: LayoutStart): void {
    const perl = findPerl();
    if (perl === null) return;
    const release = layout.hold();
    const held = HeldSandbox.spawn({
      ...layout,
      perl,
      onExit: () => {
        this.up.delete(held as HeldSandbox);
        release();
      },
    });
    if (!held) {
      release();
      this.off = true;
      return;
    }
    this.up.add(held);
    // Unused, it goes after the same idle time as one whose commands have ended.
    held.done(IDLE_MS);
    // Layouts the session moved on from are retired as soon as their commands have ended.
    for (const [other, old] of this.byLayout) if (other !== key) this.retireWhenIdle(other, old);
    this.byLayout.set(key, held);
  }

  private retireWhenIdle(key: string, held: HeldSandbox): void {
    this.byLayout.delete(key);
    held.retireWhenIdle();
  }

  private pendingEntries(): number {
    for (const [pid, held] of this.entering) if (held.entered(pid)) this.entering.delete(pid);
    return this.entering.size;
  }
}
