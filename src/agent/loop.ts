import type { Message, ModelProvider, ToolUseBlock, Usage } from "../model/types.js";
import { toToolSpec, type Tool } from "../tools/define-tool.js";
import { appendUserText, repairConversation } from "./conversation.js";
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
}

export type AgentStop = "end_turn" | "max_turns" | "cancelled";

export interface AgentRunResult {
  stop: AgentStop;
  turns: number;
  usage: Usage;
  toolCalls: ToolCallRecord[];
}

/**
 * The agent loop as a plain function: call the model, run the tools it asks for (one at a time, the loop
 * stays single-threaded), send the results back, repeat. Appends to `messages` in place, so a failed run
 * keeps the conversation. Model errors propagate after the provider's retries; cancellation returns.
 */
export async function runAgent(
  messages: Message[],
  config: AgentConfig,
  signal: AbortSignal,
): Promise<AgentRunResult> {
  const tools = new Map(config.tools.map((tool) => [tool.name, tool]));
  const specs = config.tools.map(toToolSpec);
  const result: AgentRunResult = {
    stop: "end_turn",
    turns: 0,
    usage: { input_tokens: 0, output_tokens: 0 },
    toolCalls: [],
  };
  const maxTurns = config.maxTurns ?? 100;
  while (!signal.aborted) {
    if (result.turns >= maxTurns) return { ...result, stop: "max_turns" };
    const injection = config.hooks.beforeModelCall();
    if (injection) appendUserText(messages, injection.text);
    repairConversation(messages);
    config.emit({ type: "turn-start", turn: result.turns + 1 });
    let turn;
    try {
      turn = await config.provider.createTurn(
        { system: config.system, messages, tools: specs, maxTokens: config.maxTokens ?? 8192, signal },
        {
          onTextDelta: (text) => config.emit({ type: "text-delta", text }),
          onRetry: ({ attempt, delayMs, error }) =>
            config.emit({ type: "model-retry", attempt, delay_ms: delayMs, error }),
        },
      );
    } catch (error) {
      if (signal.aborted) break;
      throw error;
    }
    config.hooks.afterModelCall();
    result.turns++;
    result.usage.input_tokens += turn.usage.input_tokens;
    result.usage.output_tokens += turn.usage.output_tokens;
    if (turn.content.length > 0) messages.push({ role: "assistant", content: turn.content });
    const text = turn.content.flatMap((block) => (block.type === "text" ? [block.text] : [])).join("");
    config.emit({ type: "assistant-message", text, stop_reason: turn.stopReason, usage: turn.usage });
    const calls = turn.content.filter((block): block is ToolUseBlock => block.type === "tool_use");
    if (calls.length === 0) {
      if (await config.hooks.onIdle(signal)) continue;
      // Cancelled while waiting for background results: a cancel, not a finished turn.
      if (signal.aborted) break;
      return result;
    }
    messages.push({ role: "user", content: [] });
    for (const call of calls) {
      config.emit({ type: "tool-call", id: call.id, name: call.name, input: call.input });
      const started = Date.now();
      const block = await runToolCall(tools, call, signal);
      (messages.at(-1)?.content as unknown[]).push(block);
      result.toolCalls.push({ name: call.name, input: call.input, is_error: block.is_error ?? false });
      const duration_ms = Date.now() - started;
      config.emit({
        type: "tool-result",
        id: call.id,
        name: call.name,
        content: block.content,
        is_error: block.is_error ?? false,
        duration_ms,
      });
    }
  }
  return { ...result, stop: "cancelled" };
}
