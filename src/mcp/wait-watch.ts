import type { ProgressNotification, ProgressToken } from "@modelcontextprotocol/sdk/types.js";
import { statusPhrase } from "../lanes/format.js";
import type { LaneManager } from "../lanes/lane-manager.js";
import { isTerminal } from "../lanes/task-record.js";
import type { Tool } from "../tools/define-tool.js";
import type { NotificationForwarder } from "./notifications.js";

export interface WaitCall {
  /** Raw arguments of the wait_background call. */
  args: unknown;
  signal: AbortSignal;
  /** The call's `_meta.progressToken`, when the client asked for progress. */
  progressToken?: ProgressToken;
  sendProgress: (params: ProgressNotification["params"]) => Promise<void>;
}

/**
 * Around a wait_background call: the end notices of the tasks it waits for are held back (its reply carries
 * them), and with a progress token each task that ends is reported as progress while the call is open.
 * Returns the function that ends the watch. A cancelled call sends no reply, so cancelling releases at once.
 */
export function watchWait(
  lanes: LaneManager,
  forwarder: NotificationForwarder,
  waitTool: Tool,
  call: WaitCall,
): () => void {
  const parsed = waitTool.schema.safeParse(call.args ?? {});
  if (!parsed.success) return () => {};
  const requested = (parsed.data as { task_ids?: string[] }).task_ids;
  // The tool's own default: every task running when the call starts.
  const ids = requested ?? lanes.active().map((record) => record.id);
  const release = forwarder.hold(ids);
  call.signal.addEventListener("abort", release, { once: true });
  const token = call.progressToken;
  const pending = new Set(ids.filter((id) => !isTerminal(lanes.get(id)?.status ?? "lost")));
  let ended = ids.length - pending.size;
  const unsubscribe =
    token === undefined || pending.size === 0
      ? () => {}
      : lanes.subscribe((event) => {
          if (event.type !== "task-end" || !pending.delete(event.record.id)) return;
          ended++;
          const message = `[bg:${event.record.id}] ${statusPhrase(event.record)}`;
          call
            .sendProgress({ progressToken: token, progress: ended, total: ids.length, message })
            .catch(() => {
              // The call may just have been answered or the client gone; progress is best effort.
            });
        });
  return () => {
    unsubscribe();
    call.signal.removeEventListener("abort", release);
    release();
  };
}
