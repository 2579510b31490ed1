import type { CallToolResult, RequestId } from "@modelcontextprotocol/sdk/types.js";
import { carriedResultsBlock } from "../present/carried-results.js";
import type { LaneManager } from "../lanes/lane-manager.js";

/** The ledger's carrier for the reply to one client request. */
export function replyCarrier(id: RequestId): string {
  return `mcp:${process.pid}:${String(id)}`;
}

/**
 * MCP's use of the delivery ledger: results reach a client's model appended to a tool reply (a client may
 * never show a server's notifications to its model; Claude Code does not). Each reply is a carrier: it
 * takes what is pending and claims what the tool's own answer states; it is acked once its bytes were
 * written, and nacked when it errors, is never sent, or its request is cancelled (also after the write: the
 * client ignores that reply, so its results come again, marked as a possible repeat).
 */
export class ReplyResults {
  private readonly holds = new Map<symbol, ReadonlySet<string>>();

  constructor(
    private readonly lanes: LaneManager,
    /** A hold ended: what it kept back may be hinted now. */
    private readonly onRelease: () => void = () => {},
  ) {}

  /**
   * Marks the tasks whose end a running call's own answer will state (wait_background, kill_background):
   * while it runs, other replies leave their results alone. Returns the release, idempotent.
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
   * Adds the pending results to the reply of request `id`, and claims `stated` (the results the tool's
   * own answer states) for it. Nothing is delivered until `written`.
   */
  carry(
    reply: CallToolResult,
    id: RequestId,
    signal: AbortSignal,
    stated: readonly string[],
  ): CallToolResult {
    if (signal.aborted) return reply;
    const carrier = replyCarrier(id);
    const ledger = this.lanes.results;
    for (const taskId of stated) ledger.claim(taskId, carrier);
    const carried = ledger.take(carrier, (taskId) => this.isHeld(taskId));
    // Cancelled, or the connection closed, before the write finished: the SDK drops it or the client ignores it.
    signal.addEventListener("abort", () => this.dropped(id), { once: true });
    if (carried.length === 0) return reply;
    return {
      ...reply,
      content: [...reply.content, { type: "text", text: carriedResultsBlock(null, carried) }],
    };
  }

  /** The reply's bytes reached the client's pipe. */
  written(id: RequestId): void {
    this.lanes.results.ack(replyCarrier(id));
  }

  /** The reply failed to write, or the client cancelled its request (before or after the write). */
  dropped(id: RequestId): void {
    this.lanes.results.nack(replyCarrier(id));
  }
}
