import type { LaneManager } from "../lanes/lane-manager.js";
import type { ToolCallContext } from "./define-tool.js";

/**
 * How finished results reach whoever drives the tools, which decides what the tools may promise:
 * - "before-next-turn": the lanes agent puts them in front of its model before every model call;
 * - "with-next-call": an MCP client gets them appended to the reply of its next lanes tool call (a client
 *   may never show server notifications to its model, so nothing else counts as telling it).
 */
export type ResultDelivery = "before-next-turn" | "with-next-call";

/** A reply states these tasks' results: its caller counts them delivered when the reply reached the model. */
export function reportResults(lanes: LaneManager, context: ToolCallContext, ids: string[]): void {
  if (context.reported) context.reported(ids);
  else lanes.markDelivered(ids);
}

interface DeliveryText {
  /** background_run's description, after what the tool does. */
  run: string;
  /** check_background's description, after what the tool does. */
  check: string;
  /** Ends a reply that leaves tasks running (background_run, wait_background). */
  stillRunning: (several: boolean) => string;
  /** The base its paths are shown relative to; null: absolute (an MCP client resolves against its own cwd). */
  pathsFrom: (workspace: string) => string | null;
}

const TEXT: Record<ResultDelivery, DeliveryText> = {
  "before-next-turn": {
    run: "You are notified automatically when it ends (status, exit code, output tail): keep working, do not poll. Use wait_background to block on it.",
    check: "You are notified when tasks end, so there is no need to poll; use wait_background to block.",
    stillRunning: (several) => `You will be notified when ${several ? "they end" : "it ends"}.`,
    pathsFrom: (workspace) => workspace,
  },
  "with-next-call": {
    run: "When it ends, its result (status, exit code, output tail) comes with the reply to your next call of any lanes tool, under `<background-results>`: keep working, do not poll. Use wait_background to block until it ends.",
    check:
      "Every lanes tool reply also carries the results that finished since the last reply, so there is no need to poll; use wait_background to block.",
    stillRunning: (several) =>
      `${several ? "Their results come" : "Its result comes"} with the reply to a later lanes call once ${several ? "they end" : "it ends"}; wait_background blocks until then.`,
    pathsFrom: () => null,
  },
};

export function deliveryText(delivery: ResultDelivery): DeliveryText {
  return TEXT[delivery];
}
