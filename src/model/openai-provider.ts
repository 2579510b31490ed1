import OpenAI, { APIConnectionTimeoutError, APIUserAbortError, OpenAIError } from "openai";
import type { ChatCompletionCreateParamsStreaming } from "openai/resources/chat/completions";
import { withIdleWatchdog } from "./idle-watchdog.js";
import { toChatParams } from "./openai-convert.js";
import { classifyOpenAIError } from "./openai-errors.js";
import { createTurnAssembler } from "./openai-stream.js";
import { runWithRetries, type RetryLoopOptions, type RetryOptions } from "./retry-loop.js";
import type { ModelCallEvents, ModelProvider, ModelRequest, ModelTurn } from "./types.js";
import { advertisedWindow } from "./advertised-window.js";

export interface OpenAIProviderOptions extends RetryOptions {
  model: string;
  /** Omitted for a local server that needs none; the SDK insists on one, so a placeholder is sent. */
  apiKey?: string | undefined;
  /** An OpenAI-compatible server, e.g. http://localhost:11434/v1 (Ollama); default api.openai.com. */
  baseURL?: string | undefined;
  /** How long an attempt may go without any data from the server, before or during the stream. */
  requestTimeoutMs?: number | undefined;
}

/** Sent as the bearer token when no key is set: Ollama, llama.cpp, vLLM and LM Studio ignore it. */
export const PLACEHOLDER_API_KEY = "no-key";

/** Where the errors say they came from: the host matters when a local server is down. */
function apiName(baseURL: string | undefined): string {
  if (baseURL === undefined) return "OpenAI API";
  try {
    const url = new URL(baseURL);
    return `OpenAI-compatible API at ${url.host}${url.pathname.replace(/\/$/, "")}`;
  } catch {
    return "OpenAI-compatible API";
  }
}

/** One streamed attempt, ended by the idle watchdog when the server goes quiet. */
function streamAttempt(
  client: OpenAI,
  params: ChatCompletionCreateParamsStreaming,
  request: ModelRequest,
  events: ModelCallEvents | undefined,
  idleMs: number,
): Promise<ModelTurn> {
  const timeoutError = (message: string): Error => new APIConnectionTimeoutError({ message });
  return withIdleWatchdog(idleMs, request.signal, timeoutError, async (watch) => {
    const assembler = createTurnAssembler();
    const stream = await client.chat.completions.create(params, { signal: watch.signal });
    for await (const chunk of stream) {
      watch.touch();
      const text = assembler.add(chunk);
      if (text !== "") events?.onTextDelta?.(text);
    }
    // The SDK ends the iteration quietly when aborted; the watchdog turns its own abort into a timeout.
    if (watch.signal.aborted) throw new APIUserAbortError();
    if (!assembler.finished) throw new OpenAIError("the stream ended before a finish_reason");
    return assembler.turn();
  });
}

/** Chat Completions with streaming and tools, for OpenAI and the local servers that speak its API. */
export function createOpenAIProvider(options: OpenAIProviderOptions): ModelProvider {
  const timeoutMs = options.requestTimeoutMs ?? 600_000;
  const client = new OpenAI({
    apiKey: options.apiKey ?? PLACEHOLDER_API_KEY,
    // Explicit nulls: the SDK would otherwise read OPENAI_* from process.env behind our back.
    baseURL: options.baseURL ?? null,
    organization: null,
    project: null,
    // Every attempt goes through runWithRetries, so each one is visible via onRetry and abortable.
    maxRetries: 0,
    timeout: timeoutMs,
    // The SDK logs malformed stream chunks to the console; that would garble the REPL, and we report them.
    logLevel: "off",
  });
  // OpenAI's reasoning models refuse max_tokens; compatible servers all know it, not all the newer field.
  const maxTokensField = options.baseURL === undefined ? "max_completion_tokens" : "max_tokens";
  const retry: RetryLoopOptions = {
    maxRetries: options.maxRetries,
    retryBaseMs: options.retryBaseMs,
    retryMaxMs: options.retryMaxMs,
    source: apiName(options.baseURL),
    secrets: options.apiKey ? [options.apiKey] : [],
    authHint: "check OPENAI_API_KEY",
    classify: classifyOpenAIError,
  };

  return {
    name: "openai",
    model: options.model,
    async createTurn(request: ModelRequest, events?: ModelCallEvents): Promise<ModelTurn> {
      const params = toChatParams(options.model, request, maxTokensField);
      return runWithRetries(retry, request.signal, events, () =>
        streamAttempt(client, params, request, events, timeoutMs),
      );
    },
    async advertisedWindow(signal: AbortSignal): Promise<number | undefined> {
      // One quick GET of the model list; a server that cannot answer it just says nothing.
      try {
        const page = await client.models.list({ signal, timeout: WINDOW_QUERY_TIMEOUT_MS });
        return advertisedWindow(page.data, options.model);
      } catch {
        return undefined;
      }
    },
  };
}

const WINDOW_QUERY_TIMEOUT_MS = 3_000;
