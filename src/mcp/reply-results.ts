import type { CallToolResult, RequestId } from "@modelcontextprotocol/sdk/types.js";
import { noticeText, resultsBlock } from "../present/notice-text.js";
import type { LaneManager } from "../lanes/lane-manager.js";
import type { Notification } from "../lanes/notification-queue.js";

/** A reply built but not yet handed to the transport: what it carries, and what it states itself. */
interface Outgoing {
  carried: Notification[];
  stated: readonly string[];
  release: () => void;
}

/**
 * The one way results reach an MCP client's model: appended to a tool reply. A client may never show a
 * server's notifications to its model (Claude Code does not), so a result counts as delivered only when a
 * reply carried it, at the moment that reply is handed to the transport (`sent`). Every reply takes what
 * finished since the last one, after the tool's own answer. A reply that is never sent (the call was
 * cancelled, the connection closed) delivers nothing: its results are there for the next reply.
 */
export class ReplyResults {
  private readonly holds = new Map<symbol, ReadonlySet<string>>();
  private readonly outgoing = new Map<RequestId, Outgoing>();

  constructor(
    private readonly lanes: LaneManager,
    /** A hold ended: what it kept back may be hinted now. */
    private readonly onRelease: () => void = () => {},
  ) {}

  /**
   * Marks the tasks whose end a call's own answer will state (wait_background, kill_background): while it
   * runs, other calls' replies leave their notices alone, so the model is not told twice. Returns the
   * release, idempotent.
   */
  hold(taskIds: readonly string[]): () => void {
    if (taskIds.length === 0) return () => {};
    const key = Symbol("hold");
    this.holds.set(key, new Set(taskIds));
    return () => {
      if (this.holds.delete(key)) this.onRelease();
    };
  }

  isHeld(taskId: string): boolean {
    for (const ids of this.holds.values()) if (ids.has(taskId)) return true;
    return false;
  }

  /**
   * Adds the pending results to the reply of request `id`, which the SDK sends unless `signal` aborted.
   * `stated` are the tasks whose results the call's own answer states; they stay held until the reply is
   * sent or dropped. Nothing counts as delivered until `sent`.
   */
  carry(
    reply: CallToolResult,
    id: RequestId,
    signal: AbortSignal,
    stated: readonly string[],
  ): CallToolResult {
    if (signal.aborted) return reply;
    const carried: Notification[] = [];
    for (const notice of this.lanes.drainNotifications()) {
      if (this.isHeld(notice.taskId) || stated.includes(notice.taskId)) {
        this.lanes.notifications.push(notice);
      } else carried.push(notice);
    }
    this.outgoing.set(id, { carried, stated, release: this.hold(stated) });
    // Cancelled (or the connection closed) before the SDK handed it over: the SDK drops it.
    signal.addEventListener("abort", () => this.settle(id, false), { once: true });
    if (carried.length === 0) return reply;
    const block = resultsBlock(carried.map((notice) => noticeText(null, notice)));
    return { ...reply, content: [...reply.content, { type: "text", text: block }] };
  }

  /** The transport took the response to request `id`: a result, or an error that carried nothing. */
  sent(id: RequestId, isResult: boolean): void {
    this.settle(id, isResult);
  }

  private settle(id: RequestId, delivered: boolean): void {
    const reply = this.outgoing.get(id);
    if (!reply) return;
    this.outgoing.delete(id);
    if (delivered) {
      const ended = reply.carried.filter((notice) => notice.kind === "ended").map((notice) => notice.taskId);
      this.lanes.markDelivered([...ended, ...reply.stated]);
    } else {
      // Back in the queue, unless the task has a newer notice, which replaces this one anyway.
      for (const notice of reply.carried)
        if (!this.lanes.notifications.has(notice.taskId)) this.lanes.notifications.push(notice);
    }
    reply.release();
  }
}
