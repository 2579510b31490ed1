import { randomUUID } from "node:crypto";
import type { ChatCompletionChunk } from "openai/resources/chat/completions";
import { emptyUsage, type AssistantBlock, type ModelTurn } from "./types.js";

interface PendingCall {
  id: string | undefined;
  name: string;
  arguments: string;
}

/** Folds the chunks of one streamed Chat Completion into a ModelTurn. */
export interface TurnAssembler {
  /** Takes one chunk; returns the text it adds ("" if none) for onTextDelta. */
  add(chunk: ChatCompletionChunk): string;
  /** False until a finish_reason arrived: a stream that ends without one was cut short. */
  readonly finished: boolean;
  turn(): ModelTurn;
}

const stopReasons: Record<string, string> = {
  tool_calls: "tool_use",
  function_call: "tool_use",
  stop: "end_turn",
  length: "max_tokens",
  content_filter: "refusal",
};

/**
 * Tool arguments as the tool's input. Invalid JSON (local models do write it) stays the raw string, so the
 * loop's validation answers with a clear is_error result instead of this call failing; "" means no input.
 */
export function parseToolArguments(raw: string): unknown {
  if (raw.trim() === "") return {};
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

/** The stop reason in the Anthropic vocabulary the loop speaks; unknown reasons pass through unchanged. */
export function toStopReason(finishReason: string, hasToolCalls: boolean): string {
  // Some local servers say "stop" although the turn ends in tool calls.
  if (hasToolCalls && finishReason === "stop") return "tool_use";
  return stopReasons[finishReason] ?? finishReason;
}

export function createTurnAssembler(): TurnAssembler {
  let text = "";
  let finishReason: string | undefined;
  const calls = new Map<number, PendingCall>();
  const usage = emptyUsage();

  return {
    add(chunk) {
      // With include_usage the last chunk has no choices, only the usage of the whole call.
      if (chunk.usage) {
        // prompt_tokens includes the cached ones; servers that cache report them in the details.
        const cached = chunk.usage.prompt_tokens_details?.cached_tokens ?? 0;
        usage.input_tokens = Math.max(0, (chunk.usage.prompt_tokens ?? 0) - cached);
        usage.cache_read_input_tokens = cached;
        usage.output_tokens = chunk.usage.completion_tokens ?? 0;
      }
      const choice = chunk.choices[0];
      if (!choice) return "";
      if (choice.finish_reason) finishReason = choice.finish_reason;
      for (const delta of choice.delta?.tool_calls ?? []) {
        // id and name come with a call's first delta, the arguments in pieces after it.
        const call = calls.get(delta.index) ?? { id: undefined, name: "", arguments: "" };
        call.id ||= delta.id;
        call.name ||= delta.function?.name ?? "";
        const piece: unknown = delta.function?.arguments;
        if (piece !== undefined && piece !== null)
          call.arguments += typeof piece === "string" ? piece : JSON.stringify(piece);
        calls.set(delta.index, call);
      }
      const added = choice.delta?.content ?? "";
      text += added;
      return added;
    },
    get finished() {
      return finishReason !== undefined;
    },
    turn() {
      const content: AssistantBlock[] = text === "" ? [] : [{ type: "text", text }];
      const ordered = [...calls.entries()].sort(([a], [b]) => a - b);
      for (const [, call] of ordered) {
        // A few local servers send no id; the loop needs one to pair the result with the call.
        const id = call.id ?? `call_${randomUUID().replace(/-/g, "").slice(0, 24)}`;
        content.push({ type: "tool_use", id, name: call.name, input: parseToolArguments(call.arguments) });
      }
      const stopReason = toStopReason(finishReason ?? "stop", calls.size > 0);
      return { content, stopReason, usage: { ...usage } };
    },
  };
}
