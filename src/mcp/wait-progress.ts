import type { ProgressNotification, ProgressToken } from "@modelcontextprotocol/sdk/types.js";
import { endedProgressText } from "../present/notice-text.js";
import type { LaneManager } from "../lanes/lane-manager.js";
import { isTerminal } from "../lanes/task-record.js";

export type SendProgress = (params: ProgressNotification["params"]) => Promise<void>;

/**
 * How long the reply waits after a progress notification. The SDK 1.x client dispatches notifications a
 * microtask late but responses at once, so a progress read in the same chunk as the reply is dropped as an
 * "unknown token" (modelcontextprotocol/typescript-sdk#2580); a short gap lets the client read it first.
 */
const PROGRESS_GAP_MS = 25;

/** Test seam: a test widens the gap so that a cancel it sends on progress always lands before the reply. */
function progressGapMs(env: NodeJS.ProcessEnv): number {
  const gap = Number(env.LANES_MCP_PROGRESS_GAP_MS);
  return Number.isInteger(gap) && gap >= 0 ? gap : PROGRESS_GAP_MS;
}

/**
 * While a wait_background call with a progress token is open, each awaited task that ends is reported as
 * progress (n of total, with its status). Only while the call is open: MCP ties a progress token to its
 * request, and the SDK's client drops (and reports as an error) progress for a request already answered.
 * Returns the function that stops reporting; it resolves once a progress just sent had time to arrive.
 */
export function reportWaitProgress(
  lanes: LaneManager,
  taskIds: string[],
  progressToken: ProgressToken,
  send: SendProgress,
  env: NodeJS.ProcessEnv,
): () => Promise<void> {
  const gapMs = progressGapMs(env);
  const pending = new Set(taskIds.filter((id) => !isTerminal(lanes.get(id)?.status ?? "lost")));
  if (pending.size === 0) return () => Promise.resolve();
  let ended = taskIds.length - pending.size;
  let lastSentAt = -Infinity;
  const unsubscribe = lanes.subscribe((event) => {
    if (event.type !== "task-end" || !pending.delete(event.record.id)) return;
    ended++;
    lastSentAt = Date.now();
    const message = endedProgressText(event.record);
    send({ progressToken, progress: ended, total: taskIds.length, message }).catch(() => {
      // The client may be gone; the call's reply or the logging notice still carries the result.
    });
  });
  return async () => {
    unsubscribe();
    const gap = lastSentAt + gapMs - Date.now();
    if (gap > 0) await new Promise((resolve) => setTimeout(resolve, gap));
  };
}
