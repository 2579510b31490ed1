import type { DeliveryLedger } from "../delivery/ledger.js";
import type { LaneEvent } from "../lanes/lane-types.js";
import type { Notification } from "../lanes/notification-queue.js";
import type { TaskRecord } from "../lanes/task-record.js";

/**
 * What the agent's background hooks need of the task runtime (LaneManager provides it): results to drain
 * and acknowledge, the tasks still running, and a way to wait for or end them. Nothing else of the runtime.
 */
export interface BackgroundRuntime {
  readonly workspace: string;
  readonly notifications: {
    readonly size: number;
    waitForNext(timeoutMs: number, signal?: AbortSignal): Promise<boolean>;
  };
  /** The delivery ledger: results are taken, claimed, acked and nacked there. */
  readonly results: DeliveryLedger<Notification>;
  markDelivered(ids: string[]): void;
  active(): TaskRecord[];
  kill(id: string): Promise<unknown>;
  subscribe(listener: (event: LaneEvent) => void): () => void;
}
