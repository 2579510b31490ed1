import { emptyUsage, ModelError, type ModelProvider, type ToolUseBlock, type Usage } from "../model/types.js";
import { toToolSpec, type Tool } from "../tools/define-tool.js";
import { Compactor, type CompactionSettings } from "./compaction.js";
import type { ConversationLog } from "./conversation-log.js";
import type { AgentEventSink } from "./events.js";
import { runToolCall, type ToolCallRecord } from "./tool-runner.js";

/** Background results ready for the model, as one block of text. */
export interface Injection {
  text: string;
}

/** The loop's fixed points. Contracts: none of these may throw. */
export interface AgentHooks {
  /** Right before every model request: results to merge into the pending user message, or undefined. */
  beforeModelCall(): Injection | undefined;
  /**
   * After every model request that succeeded: whatever results the conversation carries are delivered now,
   * including those an earlier failed request added (the conversation keeps them).
   */
  afterModelCall(): void;
  /**
   * A tool's answer states these tasks' results. The conversation keeps that answer, even a cancelled
   * one, so they are delivered with the next request that succeeds, like an injection.
   */
  resultsReported(taskIds: string[]): void;
  /**
   * When the model ends its turn. Resolves true to call it again (new results arrived while tasks ran),
   * false to stop. Idle wake lives here.
   */
  onIdle(signal: AbortSignal): Promise<boolean>;
}

export interface AgentConfig {
  provider: ModelProvider;
  system: string;
  tools: Tool[];
  hooks: AgentHooks;
  emit: AgentEventSink;
  maxTokens?: number;
  maxTurns?: number;
  /** Context window and compaction; without it the conversation is never compacted. */
  compaction?: CompactionSettings;
}

export type AgentStop = "end_turn" | "max_turns" | "cancelled";

export interface AgentRunResult {
  stop: AgentStop;
  turns: number;
  usage: Usage;
  toolCalls: ToolCallRecord[];
}

export function addUsage(total: Usage, usage: Usage): void {
  total.input_tokens += usage.input_tokens;
  total.output_tokens += usage.output_tokens;
  total.cache_creation_input_tokens += usage.cache_creation_input_tokens;
  total.cache_read_input_tokens += usage.cache_read_input_tokens;
}

/** Builds the compactor a conversation is run with (the session keeps one across prompts). */
export function createCompactor(config: AgentConfig): Compactor | undefined {
  if (!config.compaction) return undefined;
  const { provider, system, emit } = config;
  return new Compactor(config.compaction, { provider, system, tools: config.tools.map(toToolSpec), emit });
}

/**
 * A model call failed for good mid-run. Carries what the run did until then (turns, usage, tool calls),
 * so a failed run still accounts for what it spent; `cause` is the provider's error.
 */
export class AgentRunError extends Error {
  override name = "AgentRunError";
  constructor(
    override readonly cause: unknown,
    readonly partial: AgentRunResult,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

/**
 * The agent loop as a plain function: call the model, run the tools it asks for (one at a time, the loop
 * stays single-threaded), send the results back, repeat. Everything it adds is appended to `log`, so a
 * failed run keeps the conversation, and each request sends the log's view. Model errors propagate after
 * the provider's retries, except a prompt refused as too long: compacted, and tried once more.
 * Any other model error propagates as an AgentRunError carrying the accounting so far. Cancellation returns.
 */
export async function runAgent(
  log: ConversationLog,
  config: AgentConfig,
  signal: AbortSignal,
  compactor: Compactor | undefined = createCompactor(config),
): Promise<AgentRunResult> {
  const tools = new Map(config.tools.map((tool) => [tool.name, tool]));
  const specs = config.tools.map(toToolSpec);
  const result: AgentRunResult = { stop: "end_turn", turns: 0, usage: emptyUsage(), toolCalls: [] };
  const maxTurns = config.maxTurns ?? 100;
  let refusedForLength = false;
  while (!signal.aborted) {
    if (result.turns >= maxTurns) return { ...result, stop: "max_turns" };
    const injection = config.hooks.beforeModelCall();
    if (injection) log.appendUserText(injection.text);
    let turn;
    try {
      const compacted = await compactor?.beforeRequest(log, signal);
      if (compacted?.usage) addUsage(result.usage, compacted.usage);
      config.emit({ type: "turn-start", turn: result.turns + 1 });
      let streamed = "";
      turn = await config.provider.createTurn(
        {
          system: config.system,
          messages: log.project(),
          tools: specs,
          maxTokens: config.maxTokens ?? 8192,
          signal,
        },
        {
          onTextDelta: (text) => {
            streamed += text;
            config.emit({ type: "text-delta", text });
          },
          onRetry: ({ attempt, delayMs, error }) => {
            config.emit({ type: "model-retry", attempt, delay_ms: delayMs, error, discarded_text: streamed });
            streamed = "";
          },
        },
      );
    } catch (error) {
      if (signal.aborted) break;
      if (
        error instanceof ModelError &&
        error.kind === "context_too_long" &&
        compactor &&
        !refusedForLength
      ) {
        refusedForLength = true;
        const compacted = await compactor.compact(log, "refused", signal);
        if (compacted.usage) addUsage(result.usage, compacted.usage);
        continue;
      }
      throw new AgentRunError(error, structuredClone(result));
    }
    refusedForLength = false;
    config.hooks.afterModelCall();
    result.turns++;
    addUsage(result.usage, turn.usage);
    if (turn.content.length > 0) log.appendMessage({ role: "assistant", content: turn.content });
    compactor?.observe(turn.usage, log);
    const text = turn.content.flatMap((block) => (block.type === "text" ? [block.text] : [])).join("");
    config.emit({ type: "assistant-message", text, stop_reason: turn.stopReason, usage: turn.usage });
    const calls = turn.content.filter((block): block is ToolUseBlock => block.type === "tool_use");
    if (calls.length === 0) {
      if (await config.hooks.onIdle(signal)) continue;
      // Cancelled while waiting for background results: a cancel, not a finished turn.
      if (signal.aborted) break;
      return result;
    }
    for (const call of calls) {
      config.emit({ type: "tool-call", id: call.id, name: call.name, input: call.input });
      const started = Date.now();
      const { block, details } = await runToolCall(tools, call, signal, (ids) =>
        config.hooks.resultsReported(ids),
      );
      // One entry per result, so each is saved as it comes; the view merges them into one message.
      log.appendMessage({ role: "user", content: [block] });
      result.toolCalls.push({ name: call.name, input: call.input, is_error: block.is_error ?? false });
      const duration_ms = Date.now() - started;
      config.emit({
        type: "tool-result",
        id: call.id,
        name: call.name,
        content: block.content,
        is_error: block.is_error ?? false,
        duration_ms,
        ...(details !== undefined && { details }),
        ...(diffOf(details) !== undefined && { diff: diffOf(details) }),
      });
    }
  }
  return { ...result, stop: "cancelled" };
}

/** The diff a file tool's details carry, kept on the event for stream-json readers of `diff`. */
function diffOf(details: unknown): string | undefined {
  if (typeof details !== "object" || details === null || !("diff" in details)) return undefined;
  return typeof details.diff === "string" ? details.diff : undefined;
}
