import { endMarkedProcesses, endMarkedProcessesAsync } from "../process/marked-processes.js";

/** How long task ends are batched before one /proc scan looks for their escaped processes. */
const SWEEP_DELAY_MS = 200;

/**
 * Ends processes that left a task's process group (setsid, double fork) by the task's LANES_TASK_ID marker.
 * Task ends are batched so a burst of them costs one /proc scan.
 */
export class EscapeSweeper {
  private readonly pending = new Set<string>();
  /** Swept once already: swept again with KILL when lanes ends, for escapees that ignored the TERM. */
  private readonly swept = new Set<string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly graceMs: () => number) {}

  /** Looks for escapees of this task (or foreground marker) soon. */
  schedule(id: string): void {
    this.pending.add(id);
    // The batched sweep scans /proc off the event loop; final() stays synchronous, for lanes' last moment.
    this.timer ??= setTimeout(
      () => void endMarkedProcessesAsync(this.take(), this.graceMs()),
      SWEEP_DELAY_MS,
    );
  }

  /** Sweeps what is pending now; returns how many escaped processes were signalled. */
  sweep(graceMs: number): number {
    return endMarkedProcesses(this.take(), graceMs);
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
