import type { ToolSpec } from "../tools/define-tool.js";

export interface TextBlock {
  type: "text";
  text: string;
}
export interface ToolUseBlock {
  type: "tool_use";
  id: string;
  name: string;
  input: unknown;
}
export interface ToolResultBlock {
  type: "tool_result";
  tool_use_id: string;
  content: string;
  is_error?: boolean;
}
export type AssistantBlock = TextBlock | ToolUseBlock;
export type UserBlock = TextBlock | ToolResultBlock;

/** The conversation, in the Anthropic Messages shape (other providers convert at their boundary). */
export type Message =
  { role: "user"; content: UserBlock[] } | { role: "assistant"; content: AssistantBlock[] };

export interface Usage {
  input_tokens: number;
  output_tokens: number;
}

export interface ModelRequest {
  system: string;
  messages: Message[];
  tools: ToolSpec[];
  maxTokens: number;
  signal?: AbortSignal;
}

export interface ModelTurn {
  content: AssistantBlock[];
  /** "end_turn", "tool_use", "max_tokens", "stop_sequence", ... */
  stopReason: string;
  usage: Usage;
}

/** Callbacks during one model call. They must not throw. */
export interface ModelCallEvents {
  onTextDelta?(text: string): void;
  onRetry?(info: { attempt: number; delayMs: number; error: string }): void;
}

/**
 * One small boundary: the loop knows nothing about which API is behind it. `createTurn` resolves with the
 * whole assistant turn (streaming text through `onTextDelta`) or rejects with a ModelError after retries.
 */
export interface ModelProvider {
  readonly name: string;
  readonly model: string;
  createTurn(request: ModelRequest, events?: ModelCallEvents): Promise<ModelTurn>;
}

export type ModelErrorKind =
  "auth" | "rate_limit" | "overloaded" | "server" | "network" | "bad_request" | "aborted";

/** A model call that failed for good. Data, not a message to parse. */
export class ModelError extends Error {
  override name = "ModelError";
  constructor(
    message: string,
    readonly kind: ModelErrorKind,
    readonly status: number | undefined,
    readonly attempts: number,
  ) {
    super(message);
  }
}
