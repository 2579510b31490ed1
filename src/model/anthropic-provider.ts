import Anthropic, { APIConnectionTimeoutError } from "@anthropic-ai/sdk";
import { withIdleWatchdog } from "./idle-watchdog.js";
import { classifyAnthropicError } from "./anthropic-errors.js";
import { StreamDropError } from "./failure.js";
import { runWithRetries, type RetryLoopOptions, type RetryOptions } from "./retry-loop.js";
import { withCacheBreakpoints } from "./cache-breakpoints.js";
import type { AssistantBlock, ModelCallEvents, ModelProvider, ModelRequest, ModelTurn } from "./types.js";

export interface AnthropicProviderOptions extends RetryOptions {
  model: string;
  /** Wins over authToken when both are given: the SDK refuses two credentials at once. */
  apiKey?: string | undefined;
  /** A bearer token, e.g. from a gateway in front of the API. */
  authToken?: string | undefined;
  baseURL?: string | undefined;
  /** How long an attempt may go without any data from the server, before or during the stream. */
  requestTimeoutMs?: number | undefined;
}

function toModelTurn(message: Anthropic.Message): ModelTurn {
  const content: AssistantBlock[] = [];
  for (const block of message.content) {
    if (block.type === "text") content.push({ type: "text", text: block.text });
    if (block.type === "tool_use")
      content.push({ type: "tool_use", id: block.id, name: block.name, input: block.input });
  }
  const { input_tokens, output_tokens } = message.usage;
  const usage = {
    input_tokens,
    output_tokens,
    cache_creation_input_tokens: message.usage.cache_creation_input_tokens ?? 0,
    cache_read_input_tokens: message.usage.cache_read_input_tokens ?? 0,
  };
  return { content, stopReason: message.stop_reason ?? "end_turn", usage };
}

function toParams(model: string, request: ModelRequest): Anthropic.MessageCreateParamsNonStreaming {
  const { system, tools, messages } = withCacheBreakpoints(request);
  return {
    model,
    max_tokens: request.maxTokens,
    ...(system === undefined ? {} : { system }),
    // ToolSpec's schema is JSON Schema typed loosely (`required: unknown`); the SDK wants the narrower type.
    tools: tools as Anthropic.ToolUnion[],
    messages: messages as Anthropic.MessageParam[],
  };
}

/** One streamed attempt, ended by the idle watchdog when the server goes quiet. */
function streamAttempt(
  client: Anthropic,
  params: Anthropic.MessageCreateParamsNonStreaming,
  request: ModelRequest,
  events: ModelCallEvents | undefined,
  idleMs: number,
): Promise<ModelTurn> {
  const timeoutError = (message: string): Error => new APIConnectionTimeoutError({ message });
  return withIdleWatchdog(idleMs, request.signal, timeoutError, async (watch) => {
    const stream = client.messages.stream(params, { signal: watch.signal });
    let streamed = false;
    stream.on("streamEvent", () => {
      streamed = true;
      watch.touch();
    });
    stream.on("text", (delta) => events?.onTextDelta?.(delta));
    try {
      return toModelTurn(await stream.finalMessage());
    } catch (error) {
      // Since SDK 1.12 a body that drops part-way is an APIConnectionError, like a refused connection.
      throw streamed ? new StreamDropError(error) : error;
    }
  });
}

export function createAnthropicProvider(options: AnthropicProviderOptions): ModelProvider {
  const timeoutMs = options.requestTimeoutMs ?? 600_000;
  const credential = options.apiKey
    ? { apiKey: options.apiKey, authToken: null }
    : { apiKey: null, authToken: options.authToken ?? null };
  const client = new Anthropic({
    ...credential,
    baseURL: options.baseURL ?? null,
    // Every attempt goes through runWithRetries, so each one is visible via onRetry and abortable.
    maxRetries: 0,
    timeout: timeoutMs,
    // The SDK logs malformed stream chunks to the console; that would garble the REPL, and we report them.
    logLevel: "off",
  });
  const retry: RetryLoopOptions = {
    maxRetries: options.maxRetries,
    retryBaseMs: options.retryBaseMs,
    retryMaxMs: options.retryMaxMs,
    source: "Anthropic API",
    secrets: [options.apiKey, options.authToken].filter((value): value is string => Boolean(value)),
    authHint: "check ANTHROPIC_API_KEY / ANTHROPIC_AUTH_TOKEN",
    classify: classifyAnthropicError,
  };

  return {
    name: "anthropic",
    model: options.model,
    async createTurn(request: ModelRequest, events?: ModelCallEvents): Promise<ModelTurn> {
      const params = toParams(options.model, request);
      return runWithRetries(retry, request.signal, events, () =>
        streamAttempt(client, params, request, events, timeoutMs),
      );
    },
  };
}
