import type { Usage } from "../model/types.js";

/** Everything the loop reports as it happens (the REPL renders these; `stream-json` prints them). */
export type AgentEvent =
  | { type: "turn-start"; turn: number }
  | { type: "text-delta"; text: string }
  | { type: "assistant-message"; text: string; stop_reason: string; usage: Usage }
  | { type: "tool-call"; id: string; name: string; input: unknown }
  | { type: "tool-result"; id: string; name: string; content: string; is_error: boolean; duration_ms: number }
  | { type: "background-results"; task_ids: string[]; text: string; trigger: "before-call" | "idle-wake" }
  | { type: "model-retry"; attempt: number; delay_ms: number; error: string }
  | { type: "idle-wait"; running: number };

export type AgentEventSink = (event: AgentEvent) => void;
