import { randomUUID } from "node:crypto";
import { carriedResultsBlock } from "../present/carried-results.js";
import type { BackgroundRuntime } from "./background-runtime.js";
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
   * that no successful call delivered go back to the ledger, so the next conversation gets them.
   */
  requeueUndelivered(): void;
}

/**
 * Drain-before-call over the delivery ledger. The carrier is the conversation up to the next request
 * that succeeds: results injected or stated by tools ride it, and it is acked once that request succeeded
 * (the conversation holding them is saved as each entry is appended). A failed or cancelled request keeps
 * them carried: the conversation still holds them, so queueing them again would show them twice.
 */
export function createBackgroundHooks(
  lanes: BackgroundRuntime,
  options: BackgroundHookOptions,
): BackgroundHooks {
  const ledger = lanes.results;
  const expired: string[] = [];
  // Unique per hooks: two sessions on one lane manager never share a carrier.
  const prefix = `agent:${randomUUID()}`;
  let requests = 0;
  let carrier = `${prefix}:${requests}`;
  const nextCarrier = (): void => void (carrier = `${prefix}:${++requests}`);
  let trigger: "before-call" | "idle-wake" = "before-call";
  return {
    expired,
    requeueUndelivered(): void {
      ledger.nack(carrier);
      nextCarrier();
    },
    beforeModelCall(): Injection | undefined {
      const carried = ledger.take(carrier);
      const why = trigger;
      trigger = "before-call";
      if (carried.length === 0) return undefined;
      const text = carriedResultsBlock(lanes.workspace, carried);
      options.emit({
        type: "background-results",
        task_ids: carried.map((item) => item.taskId),
        text,
        trigger: why,
      });
      return { text };
    },
    resultsReported(taskIds: string[]): void {
      for (const id of taskIds) ledger.claim(id, carrier);
    },
    afterModelCall(): void {
      ledger.ack(carrier);
      nextCarrier();
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
