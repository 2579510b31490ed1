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
  drainNotifications(): Notification[];
  markDelivered(ids: string[]): void;
  withholdResults(ids: string[]): void;
  requeueResults(ids: string[]): void;
  active(): TaskRecord[];
  kill(id: string): Promise<unknown>;
  subscribe(listener: (event: LaneEvent) => void): () => void;
}
