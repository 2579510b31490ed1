import { endMarkedProcesses, endMarkedProcessesAsync } from "../process/marked-processes.js";

/** How long task ends are batched before one /proc scan looks for their escaped processes. */
const SWEEP_DELAY_MS = 200;

/**
 * Ends processes that left a task's process group (setsid, double fork) by the task's LANES_TASK_ID marker.
 * Task ends are batched so a burst of them costs one /proc scan.
 */
export class EscapeSweeper {
  private readonly pending = new Set<string>();
  /** The groups of the pending tasks: lanes TERMs those itself (after a leader's exit), so the sweep does not. */
  private readonly groups = new Set<number>();
  /** Swept once already: swept again with KILL when lanes ends, for escapees that ignored the TERM. */
  private readonly swept = new Set<string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly graceMs: () => number) {}

  /** Looks for escapees of this task (or foreground marker) soon; `group`: its own, not swept with TERM. */
  schedule(id: string, group?: number | null): void {
    this.pending.add(id);
    if (group) this.groups.add(group);
    // The batched sweep scans /proc off the event loop; final() stays synchronous, for lanes' last moment.
    this.timer ??= setTimeout(
      () => void endMarkedProcessesAsync(this.take(), this.graceMs(), this.takeGroups()),
      SWEEP_DELAY_MS,
    );
  }

  /** Sweeps what is pending now; returns how many escaped processes were signalled. */
  sweep(graceMs: number): number {
    return endMarkedProcesses(this.take(), graceMs, this.takeGroups());
  }

  private takeGroups(): Set<number> {
    const groups = new Set(this.groups);
    this.groups.clear();
    return groups;
  }

  /** The pending ids, now counted as swept (so final() sweeps them again, even mid-scan). */
  private take(): Set<string> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const ids = new Set(this.pending);
    this.pending.clear();
    for (const id of ids) this.swept.add(id);
    return ids;
  }

  /**
   * At lanes' end: KILL at once whatever still carries the marker of anything swept before. The KILL that
   * follows a sweep's TERM is an unref'd timer, so an escapee ignoring TERM would outlive lanes otherwise.
   */
  final(extra: Iterable<string> = []): void {
    for (const id of [...this.swept, ...extra]) this.pending.add(id);
    this.sweep(0);
  }
}
