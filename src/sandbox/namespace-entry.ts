import { waitUntilSync } from "../async/blocking-wait.js";
import { namespaceOf } from "./namespace-of.js";

/**
 * Launchers told to enter the session's network namespace, which a holder that ends with lanes keeps: the
 * holder must not go before each has entered, or a task started in lanes' last moments never runs.
 */
export class PendingEntries {
  private readonly pids = new Set<number>();

  /** A launcher just spawned into the namespace (its pid is still in lanes' own until it has entered). */
  add(pid: number): void {
    this.prune();
    this.pids.add(pid);
  }

  /**
   * Blocks (this runs at shutdown, also in an exit handler with no event loop) until every launcher has
   * entered or gone, at most `limitMs`.
   */
  waitSync(limitMs: number): void {
    waitUntilSync(() => this.prune() === 0, limitMs, 5);
    this.pids.clear();
  }

  /** Forgets the launchers that have entered or gone; how many are still on their way. */
  private prune(): number {
    const ours = namespaceOf("self", "net");
    for (const pid of this.pids) {
      const theirs = namespaceOf(pid, "net");
      if (theirs === undefined || theirs !== ours) this.pids.delete(pid);
    }
    return this.pids.size;
  }
}
