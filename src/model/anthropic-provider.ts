import Anthropic, { APIConnectionTimeoutError } from "@anthropic-ai/sdk";
import { classifyError, retryDelayMs, sleep, type BackoffPolicy, type FailureClass } from "./retry.js";
import {
  ModelError,
  type AssistantBlock,
  type ModelCallEvents,
  type ModelProvider,
  type ModelRequest,
  type ModelTurn,
} from "./types.js";

export interface AnthropicProviderOptions {
  model: string;
  /** Wins over authToken when both are given: the SDK refuses two credentials at once. */
  apiKey?: string;
  /** A bearer token, e.g. from a gateway in front of the API. */
  authToken?: string;
  baseURL?: string;
  /** Retries after the first attempt (default 4, so 5 attempts). */
  maxRetries?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** How long an attempt may go without any data from the server, before or during the stream. */
  requestTimeoutMs?: number;
}

const authHint = "check ANTHROPIC_API_KEY / ANTHROPIC_AUTH_TOKEN";

function toModelTurn(message: Anthropic.Message): ModelTurn {
  const content: AssistantBlock[] = [];
  for (const block of message.content) {
    if (block.type === "text") content.push({ type: "text", text: block.text });
    if (block.type === "tool_use")
      content.push({ type: "tool_use", id: block.id, name: block.name, input: block.input });
  }
  const { input_tokens, output_tokens } = message.usage;
  return { content, stopReason: message.stop_reason ?? "end_turn", usage: { input_tokens, output_tokens } };
}

function toParams(model: string, request: ModelRequest): Anthropic.MessageCreateParamsNonStreaming {
  return {
    model,
    max_tokens: request.maxTokens,
    // The API rejects an empty system text block; no system prompt means leaving the field out.
    ...(request.system === "" ? {} : { system: request.system }),
    // ToolSpec's schema is JSON Schema typed loosely (`required: unknown`); the SDK wants the narrower type.
    tools: request.tools.map((tool) => ({
      ...tool,
      input_schema: tool.input_schema as Anthropic.Tool.InputSchema,
    })),
    messages: request.messages,
  };
}

/** One streamed attempt. Aborts itself when the server sends nothing for `idleMs` (SDK timeouts stop at headers). */
async function streamAttempt(
  client: Anthropic,
  params: Anthropic.MessageCreateParamsNonStreaming,
  request: ModelRequest,
  events: ModelCallEvents | undefined,
  idleMs: number,
): Promise<ModelTurn> {
  const controller = new AbortController();
  const abort = (): void => controller.abort();
  request.signal?.addEventListener("abort", abort, { once: true });
  let idle = false;
  let timer: NodeJS.Timeout | undefined;
  const armIdleTimer = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      idle = true;
      controller.abort();
    }, idleMs);
  };
  armIdleTimer();
  try {
    const stream = client.messages.stream(params, { signal: controller.signal });
    stream.on("streamEvent", armIdleTimer);
    stream.on("text", (delta) => events?.onTextDelta?.(delta));
    return toModelTurn(await stream.finalMessage());
  } catch (error) {
    if (idle && !request.signal?.aborted) {
      throw new APIConnectionTimeoutError({ message: `no data from the server for ${idleMs} ms` });
    }
    throw error;
  } finally {
    clearTimeout(timer);
    request.signal?.removeEventListener("abort", abort);
  }
}

export function createAnthropicProvider(options: AnthropicProviderOptions): ModelProvider {
  const maxAttempts = Math.max(0, options.maxRetries ?? 4) + 1;
  const policy: BackoffPolicy = { baseMs: options.retryBaseMs ?? 1000, maxMs: options.retryMaxMs ?? 30_000 };
  const timeoutMs = options.requestTimeoutMs ?? 600_000;
  const credential = options.apiKey
    ? { apiKey: options.apiKey, authToken: null }
    : { apiKey: null, authToken: options.authToken ?? null };
  const client = new Anthropic({
    ...credential,
    baseURL: options.baseURL ?? null,
    // Every attempt goes through our loop below, so each one is visible via onRetry and abortable.
    maxRetries: 0,
    timeout: timeoutMs,
    // The SDK logs malformed stream chunks to the console; that would garble the REPL, and we report them.
    logLevel: "off",
  });
  const secrets = [options.apiKey, options.authToken].filter((value): value is string => Boolean(value));
  const redact = (text: string): string =>
    secrets.reduce((clean, secret) => clean.split(secret).join("[redacted]"), text);

  const fail = (failure: FailureClass, attempts: number): ModelError => {
    const after = attempts > 1 ? ` after ${attempts} attempts` : "";
    const hint = failure.kind === "auth" ? ` (${authHint})` : "";
    const line = `Anthropic API: ${failure.label}${after}: ${failure.detail}${hint}`.replace(/\s+/g, " ");
    return new ModelError(redact(line), failure.kind, failure.status, attempts);
  };
  const aborted = (attempts: number): ModelError =>
    new ModelError("Anthropic API: request aborted", "aborted", undefined, attempts);

  return {
    name: "anthropic",
    model: options.model,
    async createTurn(request: ModelRequest, events?: ModelCallEvents): Promise<ModelTurn> {
      const params = toParams(options.model, request);
      for (let attempt = 1; ; attempt++) {
        if (request.signal?.aborted) throw aborted(attempt - 1);
        try {
          return await streamAttempt(client, params, request, events, timeoutMs);
        } catch (error) {
          if (request.signal?.aborted) throw aborted(attempt);
          const failure = classifyError(error);
          if (!failure.retryable || attempt >= maxAttempts) throw fail(failure, attempt);
          const delayMs = retryDelayMs(attempt, policy, failure.headers);
          events?.onRetry?.({ attempt, delayMs, error: redact(`${failure.label}: ${failure.detail}`) });
          if (!(await sleep(delayMs, request.signal))) throw aborted(attempt);
        }
      }
    },
  };
}
