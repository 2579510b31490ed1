import type { Usage } from "../model/types.js";

/** Why the conversation was compacted: it was about to pass compact_at, the API refused it, `/compact`. */
export type CompactionReason = "threshold" | "refused" | "manual";

/** Everything the loop reports as it happens (the REPL renders these; `stream-json` prints them). */
export type AgentEvent =
  | { type: "turn-start"; turn: number }
  | { type: "text-delta"; text: string }
  | { type: "assistant-message"; text: string; stop_reason: string; usage: Usage }
  | { type: "tool-call"; id: string; name: string; input: unknown }
  | {
      type: "tool-result";
      id: string;
      name: string;
      content: string;
      is_error: boolean;
      duration_ms: number;
      /** The tool's data about its result (typed per tool, see src/tools/); absent when the call failed. */
      details?: unknown;
      /** Unified diff of the file write_file or edit_file changed (for people; the model gets `content`). */
      diff?: string | undefined;
    }
  | { type: "background-results"; task_ids: string[]; text: string; trigger: "before-call" | "idle-wake" }
  /**
   * A failed attempt is retried. `discarded_text` is what it had streamed (as text-delta events): void, the
   * next attempt streams the answer from its start, so views drop it.
   */
  | { type: "model-retry"; attempt: number; delay_ms: number; error: string; discarded_text: string }
  | {
      type: "compaction";
      reason: CompactionReason;
      /** Estimated prompt tokens before and after. */
      before_tokens: number;
      after_tokens: number;
      /** Old large tool results replaced by stubs (their full text kept in a file). */
      stubbed_results: number;
      /** Messages replaced by a summary (0 when stubs were enough). */
      summarised_messages: number;
    }
  | { type: "idle-wait"; running: number };

export type AgentEventSink = (event: AgentEvent) => void;
