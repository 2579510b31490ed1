import type { LoggingLevel, LoggingMessageNotification } from "@modelcontextprotocol/sdk/types.js";
import type { LaneManager } from "../lanes/lane-manager.js";
import type { Notification } from "../lanes/notification-queue.js";

export type LogMessage = LoggingMessageNotification["params"];

/** Sends one logging notification; rejects when the client is gone. */
export type SendLog = (message: LogMessage) => Promise<void>;

export const LOGGER = "lanes";

/**
 * Pushes the lane manager's notices (task ended, stalled, matched) to the MCP client as logging messages,
 * as soon as they are queued. The client is the queue's consumer, as the agent loop is in a session: an
 * ended task counts as delivered once its message was written, so check_background never offers it again.
 * A result a tool call is about to return (wait_background) is held back instead of being sent twice.
 */
export class NotificationForwarder {
  private readonly holds = new Map<symbol, ReadonlySet<string>>();
  private scheduled: NodeJS.Immediate | undefined;
  private sending: Promise<void> = Promise.resolve();
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly lanes: LaneManager,
    private readonly send: SendLog,
    private readonly onError: (error: unknown) => void = () => {},
  ) {}

  /** Starts forwarding, including whatever is already queued (results recovered from an earlier run). */
  start(): void {
    this.unsubscribe ??= this.lanes.subscribe((event) => {
      if (event.type === "notification") this.schedule();
    });
    this.schedule();
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
  }

  /**
   * Holds back the end notices of these tasks while a tool call will report them itself. The returned
   * release (idempotent) forwards whatever the call did not deliver.
   */
  hold(taskIds: readonly string[]): () => void {
    if (taskIds.length === 0) return () => {};
    const key = Symbol("hold");
    this.holds.set(key, new Set(taskIds));
    return () => {
      if (this.holds.delete(key)) this.flush();
    };
  }

  /** Resolves once everything handed to `send` so far has been written (or failed). */
  idle(): Promise<void> {
    return this.sending;
  }

  // Deferred by one macrotask: a tool call that ends a task (kill_background, wait_background) marks its
  // result delivered in the same turn of the event loop, and then nothing is left here to send.
  private schedule(): void {
    if (this.scheduled || !this.unsubscribe) return;
    this.scheduled = setImmediate(() => {
      this.scheduled = undefined;
      this.flush();
    });
  }

  private flush(): void {
    if (!this.unsubscribe) return;
    const ready: Notification[] = [];
    for (const notice of this.lanes.drainNotifications()) {
      if (notice.kind === "ended" && this.isHeld(notice.taskId)) {
        const { taskId, kind, priority, text } = notice;
        this.lanes.notifications.push({ taskId, kind, priority, text });
      } else ready.push(notice);
    }
    if (ready.length > 0) this.sending = this.sending.then(() => this.deliver(ready));
  }

  private async deliver(notices: Notification[]): Promise<void> {
    for (const notice of notices) {
      try {
        await this.send({ level: this.levelOf(notice), logger: LOGGER, data: notice.text });
      } catch (error) {
        // Not marked delivered: the record stays un-notified and the next lanes in this workspace reports it.
        this.onError(error);
        continue;
      }
      if (notice.kind === "ended") this.lanes.markDelivered([notice.taskId]);
    }
  }

  private isHeld(taskId: string): boolean {
    for (const ids of this.holds.values()) if (ids.has(taskId)) return true;
    return false;
  }

  private levelOf(notice: Notification): LoggingLevel {
    if (notice.kind === "stalled") return "warning";
    if (notice.kind === "matched") return "info";
    return this.lanes.get(notice.taskId)?.status === "completed" ? "info" : "error";
  }
}
