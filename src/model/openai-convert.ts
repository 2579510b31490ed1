import type {
  ChatCompletionCreateParamsStreaming,
  ChatCompletionFunctionTool,
  ChatCompletionMessageParam,
  ChatCompletionMessageToolCall,
} from "openai/resources/chat/completions";
import type { ToolSpec } from "./types.js";
import type { AssistantBlock, Message, ModelRequest, UserBlock } from "./types.js";

/** Which field carries the output limit: OpenAI's reasoning models refuse `max_tokens`, many local servers only know it. */
export type MaxTokensField = "max_tokens" | "max_completion_tokens";

function joinText(blocks: (AssistantBlock | UserBlock)[]): string {
  return blocks.flatMap((block) => (block.type === "text" ? [block.text] : [])).join("\n\n");
}

/**
 * Tool input as the JSON-string `arguments` the API expects. A string input is arguments the model wrote
 * that were not JSON (see parseToolArguments); it goes back wrapped in an object, because servers such as
 * Ollama reject a request whose history holds arguments they cannot parse as a JSON object.
 */
export function toToolArguments(input: unknown): string {
  return JSON.stringify(typeof input === "string" ? { raw_arguments: input } : (input ?? {}));
}

function assistantMessage(content: AssistantBlock[]): ChatCompletionMessageParam {
  const toolCalls: ChatCompletionMessageToolCall[] = content.flatMap((block) =>
    block.type === "tool_use"
      ? [
          {
            id: block.id,
            type: "function" as const,
            function: { name: block.name, arguments: toToolArguments(block.input) },
          },
        ]
      : [],
  );
  const text = joinText(content);
  if (toolCalls.length === 0) return { role: "assistant", content: text };
  return { role: "assistant", content: text === "" ? null : text, tool_calls: toolCalls };
}

/** Tool results first, each its own `tool` message in order; any text of the same message after them. */
function userMessages(content: UserBlock[]): ChatCompletionMessageParam[] {
  const converted: ChatCompletionMessageParam[] = content.flatMap((block) =>
    block.type === "tool_result"
      ? [
          {
            role: "tool" as const,
            tool_call_id: block.tool_use_id,
            // A tool message has no error flag; the prefix keeps the failure visible to the model.
            content: block.is_error ? `Error: ${block.content}` : block.content,
          },
        ]
      : [],
  );
  const text = joinText(content);
  if (text !== "") converted.push({ role: "user", content: text });
  return converted;
}

/** The Anthropic-shaped conversation as Chat Completions messages, system prompt first. */
export function toChatMessages(system: string, messages: Message[]): ChatCompletionMessageParam[] {
  const converted: ChatCompletionMessageParam[] = system === "" ? [] : [{ role: "system", content: system }];
  for (const message of messages) {
    if (message.role === "assistant") converted.push(assistantMessage(message.content));
    else converted.push(...userMessages(message.content));
  }
  return converted;
}

export function toChatTools(tools: ToolSpec[]): ChatCompletionFunctionTool[] {
  return tools.map((tool) => ({
    type: "function",
    function: { name: tool.name, description: tool.description, parameters: tool.input_schema },
  }));
}

/** The streaming request body for one model call. */
export function toChatParams(
  model: string,
  request: ModelRequest,
  maxTokensField: MaxTokensField,
): ChatCompletionCreateParamsStreaming {
  return {
    model,
    messages: toChatMessages(request.system, request.messages),
    // Some servers reject an empty tools array; no tools means leaving the field out.
    ...(request.tools.length === 0 ? {} : { tools: toChatTools(request.tools) }),
    [maxTokensField]: request.maxTokens,
    stream: true,
    stream_options: { include_usage: true },
  };
}
