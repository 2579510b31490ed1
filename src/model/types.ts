/** A tool as the model is told about it: its name, what it does, and its input's JSON Schema. */
export interface ToolSpec {
  name: string;
  description: string;
  input_schema: { type: "object"; [key: string]: unknown };
}

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

/** Token counts of one call (or summed over a run), in Anthropic's fields; other APIs map to them. */
export interface Usage {
  /** Prompt tokens neither read from nor written to a cache. */
  input_tokens: number;
  output_tokens: number;
  /** Prompt tokens written to the prompt cache (billed 1.25x at Anthropic). */
  cache_creation_input_tokens: number;
  /** Prompt tokens read from the prompt cache (billed 0.1x at Anthropic). */
  cache_read_input_tokens: number;
}

export function emptyUsage(): Usage {
  return { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
}

/** The whole prompt of a call: what it occupied of the context window, cached or not. */
export function promptTokens(usage: Usage): number {
  return usage.input_tokens + usage.cache_creation_input_tokens + usage.cache_read_input_tokens;
}

export interface ModelRequest {
  system: string;
  messages: Message[];
  tools: ToolSpec[];
  maxTokens: number;
  signal?: AbortSignal | undefined;
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
  /** A failed attempt is retried: text streamed by it so far is void (the next attempt starts over). */
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
  /**
   * The model's context window as the server reports it, where it does (an OpenAI-compatible server's
   * model list); undefined when it says nothing or cannot be asked. Never throws.
   */
  advertisedWindow?(signal: AbortSignal): Promise<number | undefined>;
}

export type ModelErrorKind =
  | "auth"
  | "rate_limit"
  | "overloaded"
  | "server"
  | "network"
  | "bad_request"
  /** The prompt does not fit the model's context window: compact and try again. */
  | "context_too_long"
  | "aborted";

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
