import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { noticeText, resultsBlock } from "../lanes/format.js";
import type { LaneManager } from "../lanes/lane-manager.js";
import type { Notification } from "../lanes/notification-queue.js";

/**
 * The one way results reach an MCP client's model: appended to a tool reply. A client may never show a
 * server's notifications to its model (Claude Code does not), so a result counts as delivered only when a
 * reply carried it. Every reply takes what finished since the last one, after the tool's own answer.
 */
export class ReplyResults {
  private readonly holds = new Map<symbol, ReadonlySet<string>>();

  constructor(private readonly lanes: LaneManager) {}

  /**
   * Marks the tasks whose end a call's own answer will state (wait_background, kill_background): while it
   * runs, other calls' replies leave their notices alone, so the model is not told twice. Returns the
   * release, idempotent.
   */
  hold(taskIds: readonly string[]): () => void {
    if (taskIds.length === 0) return () => {};
    const key = Symbol("hold");
    this.holds.set(key, new Set(taskIds));
    return () => void this.holds.delete(key);
  }

  isHeld(taskId: string): boolean {
    for (const ids of this.holds.values()) if (ids.has(taskId)) return true;
    return false;
  }

  /**
   * Adds the pending results to a reply about to be sent, and counts them delivered. A call that was
   * cancelled sends no reply: then nothing is taken. Call it after the call's own release.
   */
  carry(reply: CallToolResult, cancelled: boolean): CallToolResult {
    if (cancelled) return reply;
    const carried: Notification[] = [];
    for (const notice of this.lanes.drainNotifications()) {
      if (this.isHeld(notice.taskId)) {
        this.lanes.notifications.push(notice);
      } else carried.push(notice);
    }
    if (carried.length === 0) return reply;
    const ended = carried.filter((notice) => notice.kind === "ended").map((notice) => notice.taskId);
    this.lanes.markDelivered(ended);
    const block = resultsBlock(carried.map((notice) => noticeText(this.lanes.workspace, notice)));
    return { ...reply, content: [...reply.content, { type: "text", text: block }] };
  }
}
