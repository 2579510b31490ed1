import type { TaskDelivery } from "./task-delivery.js";
import type { LiveTask } from "./task-registry.js";
import { isTerminal } from "./task-record.js";

/**
 * The runtime's one ticker: for every running task, its output size, the cap, the first notify_on match and
 * silence (through its TaskWatch), and a poll of its handle for ends no event reports. It stops itself when
 * nothing is left to watch, and never keeps lanes alive.
 */
export class OutputWatcher {
  private ticker: NodeJS.Timeout | undefined;

  constructor(
    private readonly tasks: () => LiveTask[],
    private readonly delivery: TaskDelivery,
    private readonly tickMs: number,
  ) {}

  start(): void {
    if (this.ticker) return;
    this.ticker = setInterval(() => this.tick(), this.tickMs);
    this.ticker.unref();
  }

  stop(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
  }

  private tick(): void {
    const now = Date.now();
    let watching = 0;
    for (const task of this.tasks()) {
      if (!task.watch || !task.handle || isTerminal(task.record.status)) continue;
      watching++;
      const found = task.watch.tick(now);
      const { record } = task;
      record.output_bytes = found.outputBytes;
      if (found.overCap && !task.capped) {
        // Once: a process ignoring TERM is KILLed by the escalation, not TERMed again every tick.
        task.capped = true;
        void task.handle.terminate("output_cap");
      }
      const notice = { taskId: record.id, record };
      if (found.matchedLine !== undefined)
        this.delivery.push({ ...notice, kind: "matched", priority: "medium", line: found.matchedLine });
      if (found.patternFailed !== undefined)
        this.delivery.push({
          ...notice,
          kind: "pattern_failed",
          priority: "medium",
          line: found.patternFailed,
        });
      if (found.stalledLastLine !== undefined) {
        const silentMs = record.stall_ms ?? 0;
        this.delivery.push({
          ...notice,
          kind: "stalled",
          priority: "high",
          line: found.stalledLastLine,
          silentMs,
        });
      }
      // One /proc scan per tick serves every polled task (zombies awaiting a slow reaper count as ended).
      task.handle.poll(now);
    }
    if (watching === 0) this.stop();
  }
}
