import type { LoggingLevel, LoggingMessageNotification } from "@modelcontextprotocol/sdk/types.js";
import { noticeText } from "../present/notice-text.js";
import type { LaneManager } from "../lanes/lane-manager.js";
import type { Notification } from "../lanes/notification-queue.js";
import type { ReplyResults } from "./reply-results.js";

export type LogMessage = LoggingMessageNotification["params"];

/** Sends one logging notification; rejects when the client is gone. */
export type SendLog = (message: LogMessage) => Promise<void>;

export const LOGGER = "lanes";

type Hint = Pick<Notification, "taskId" | "kind"> & { text: string };

/**
 * Sends each notice (task ended, stalled, matched) to the MCP client as a logging message as soon as it is
 * queued: a hint for clients that show them, nothing more. It never counts as delivered (a client may not
 * show it to its model, and `logging/setLevel` may filter it out); the notice stays queued for the next
 * tool reply (ReplyResults). Notices a reply already carried, or that a running call will state itself
 * (held), are not hinted.
 */
export class LogHints {
  /** The latest notice per task not yet hinted: a newer one (a match folded under the end) replaces it. */
  private readonly unsent = new Map<string, Hint>();
  private scheduled: NodeJS.Immediate | undefined;
  private sending: Promise<void> = Promise.resolve();
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly lanes: LaneManager,
    private readonly replies: ReplyResults,
    private readonly send: SendLog,
    private readonly onError: (error: unknown) => void = () => {},
  ) {}

  /** Starts hinting, including whatever is already queued (results recovered from an earlier run). */
  start(): void {
    if (this.unsubscribe) return;
    this.unsubscribe = this.lanes.subscribe((event) => {
      if (event.type !== "notification") return;
      this.unsent.set(event.notification.taskId, this.hintOf(event.notification));
      this.schedule();
    });
    for (const { notice } of this.lanes.results.peek()) this.unsent.set(notice.taskId, this.hintOf(notice));
    this.schedule();
  }

  private hintOf(notice: Notification): Hint {
    return { taskId: notice.taskId, kind: notice.kind, text: noticeText(null, notice) };
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
  }

  /** A call released its hold: what it did not state itself may be hinted now. */
  released(): void {
    this.schedule();
  }

  /** Resolves once everything handed to `send` so far has been written (or failed). */
  idle(): Promise<void> {
    return this.sending;
  }

  // Deferred by one macrotask: a tool call that ends a task (kill_background) delivers its result in its
  // own reply in the same turn of the event loop, and then there is nothing to hint.
  private schedule(): void {
    if (this.scheduled || !this.unsubscribe) return;
    this.scheduled = setImmediate(() => {
      this.scheduled = undefined;
      this.flush();
    });
  }

  private flush(): void {
    if (!this.unsubscribe) return;
    const ready: Hint[] = [];
    for (const [taskId, hint] of this.unsent) {
      if (this.replies.isHeld(taskId)) continue;
      this.unsent.delete(taskId);
      if (this.lanes.notifications.has(taskId)) ready.push(hint);
    }
    if (ready.length > 0) this.sending = this.sending.then(() => this.deliver(ready));
  }

  private async deliver(hints: Hint[]): Promise<void> {
    for (const hint of hints) {
      try {
        await this.send({ level: this.levelOf(hint), logger: LOGGER, data: hint.text });
      } catch (error) {
        // Only a hint: the result is still queued for the next reply, or the next lanes in this workspace.
        this.onError(error);
      }
    }
  }

  private levelOf(hint: Hint): LoggingLevel {
    if (hint.kind === "stalled") return "warning";
    if (hint.kind === "matched") return "info";
    return this.lanes.get(hint.taskId)?.status === "completed" ? "info" : "error";
  }
}
