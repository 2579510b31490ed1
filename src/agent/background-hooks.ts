import { noticeText, resultsBlock } from "../present/notice-text.js";
import type { LaneManager } from "../lanes/lane-manager.js";
import type { AgentEventSink } from "./events.js";
import type { AgentHooks, Injection } from "./loop.js";
import { settle } from "./settle.js";

export interface BackgroundHookOptions {
  /** -p mode: when the model stops while tasks run, wait for the next result and call it again. */
  idleWake: boolean;
  /** Longest idle wait; then the remaining tasks are killed. */
  maxWaitMs: number;
  emit: AgentEventSink;
}

export interface BackgroundHooks extends AgentHooks {
  /** Ids of tasks killed because --max-wait ran out. */
  readonly expired: string[];
  /**
   * The conversation is being discarded (/clear): results it carried (in an injection or a tool's answer)
   * that no successful call delivered go back to the queue, so the next conversation gets them instead of
   * them being marked delivered unseen.
   */
  requeueUndelivered(): void;
}

/**
 * Drain-before-call: every model request first sweeps the lane manager's notification queue into one
 * `<background-results>` block. A result counts as delivered only once a request carrying it succeeded.
 */
export function createBackgroundHooks(lanes: LaneManager, options: BackgroundHookOptions): BackgroundHooks {
  const unacknowledged = new Set<string>();
  const expired: string[] = [];
  let trigger: "before-call" | "idle-wake" = "before-call";
  return {
    expired,
    requeueUndelivered(): void {
      lanes.requeueResults([...unacknowledged]);
      unacknowledged.clear();
    },
    beforeModelCall(): Injection | undefined {
      const notices = lanes.drainNotifications();
      const why = trigger;
      trigger = "before-call";
      if (notices.length === 0) return undefined;
      const ended = notices.filter((notice) => notice.kind === "ended").map((notice) => notice.taskId);
      for (const id of ended) unacknowledged.add(id);
      const text = resultsBlock(notices.map((notice) => noticeText(lanes.workspace, notice)));
      options.emit({
        type: "background-results",
        task_ids: notices.map((n) => n.taskId),
        text,
        trigger: why,
      });
      return { text };
    },
    resultsReported(taskIds: string[]): void {
      lanes.withholdResults(taskIds);
      for (const id of taskIds) unacknowledged.add(id);
    },
    afterModelCall(): void {
      if (unacknowledged.size === 0) return;
      lanes.markDelivered([...unacknowledged]);
      unacknowledged.clear();
    },
    async onIdle(signal: AbortSignal): Promise<boolean> {
      if (!options.idleWake) return false;
      const waiting = (): number => lanes.active().filter((record) => !record.persist).length;
      if (lanes.notifications.size === 0 && waiting() === 0) return false;
      options.emit({ type: "idle-wait", running: waiting() });
      const woke = await lanes.notifications.waitForNext(options.maxWaitMs, signal);
      if (signal.aborted) return false;
      if (!woke) {
        const victims = lanes.active().filter((record) => !record.persist);
        await Promise.all(victims.map((record) => lanes.kill(record.id)));
        expired.push(...victims.map((record) => record.id));
        lanes.markDelivered(expired);
        return false;
      }
      // Results landing a few ms apart (three tasks started in one turn) go to the model in one call.
      await settle(
        {
          onLanding: (callback) => lanes.subscribe((event) => event.type === "notification" && callback()),
          stillRunning: () => waiting() > 0,
        },
        signal,
      );
      if (signal.aborted) return false;
      trigger = "idle-wake";
      return true;
    },
  };
}
