import OpenAI, { APIConnectionTimeoutError, APIUserAbortError, OpenAIError } from "openai";
import type { ChatCompletionCreateParamsStreaming } from "openai/resources/chat/completions";
import { toChatParams } from "./openai-convert.js";
import { classifyOpenAIError } from "./openai-errors.js";
import { createTurnAssembler } from "./openai-stream.js";
import { retryDelayMs, sleep, type BackoffPolicy, type FailureClass } from "./retry.js";
import {
  ModelError,
  type ModelCallEvents,
  type ModelProvider,
  type ModelRequest,
  type ModelTurn,
} from "./types.js";

export interface OpenAIProviderOptions {
  model: string;
  /** Omitted for a local server that needs none; the SDK insists on one, so a placeholder is sent. */
  apiKey?: string;
  /** An OpenAI-compatible server, e.g. http://localhost:11434/v1 (Ollama); default api.openai.com. */
  baseURL?: string;
  /** Retries after the first attempt (default 4, so 5 attempts). */
  maxRetries?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** How long an attempt may go without any data from the server, before or during the stream. */
  requestTimeoutMs?: number;
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

/** One streamed attempt. Aborts itself when the server sends nothing for `idleMs` (SDK timeouts stop at headers). */
async function streamAttempt(
  client: OpenAI,
  params: ChatCompletionCreateParamsStreaming,
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
  const timedOut = (): Error =>
    new APIConnectionTimeoutError({ message: `no data from the server for ${idleMs} ms` });
  try {
    const assembler = createTurnAssembler();
    const stream = await client.chat.completions.create(params, { signal: controller.signal });
    for await (const chunk of stream) {
      armIdleTimer();
      const text = assembler.add(chunk);
      if (text !== "") events?.onTextDelta?.(text);
    }
    // The SDK ends the iteration quietly when aborted, so the cause is checked here.
    if (idle && !request.signal?.aborted) throw timedOut();
    if (controller.signal.aborted) throw new APIUserAbortError();
    if (!assembler.finished) throw new OpenAIError("the stream ended before a finish_reason");
    return assembler.turn();
  } catch (error) {
    if (idle && !request.signal?.aborted) throw timedOut();
    throw error;
  } finally {
    clearTimeout(timer);
    request.signal?.removeEventListener("abort", abort);
  }
}

/** Chat Completions with streaming and tools, for OpenAI and the local servers that speak its API. */
export function createOpenAIProvider(options: OpenAIProviderOptions): ModelProvider {
  const maxAttempts = Math.max(0, options.maxRetries ?? 4) + 1;
  const policy: BackoffPolicy = { baseMs: options.retryBaseMs ?? 1000, maxMs: options.retryMaxMs ?? 30_000 };
  const timeoutMs = options.requestTimeoutMs ?? 600_000;
  const client = new OpenAI({
    apiKey: options.apiKey ?? PLACEHOLDER_API_KEY,
    // Explicit nulls: the SDK would otherwise read OPENAI_* from process.env behind our back.
    baseURL: options.baseURL ?? null,
    organization: null,
    project: null,
    // Every attempt goes through our loop below, so each one is visible via onRetry and abortable.
    maxRetries: 0,
    timeout: timeoutMs,
    // The SDK logs malformed stream chunks to the console; that would garble the REPL, and we report them.
    logLevel: "off",
  });
  // OpenAI's reasoning models refuse max_tokens; compatible servers all know it, not all the newer field.
  const maxTokensField = options.baseURL === undefined ? "max_completion_tokens" : "max_tokens";
  const source = apiName(options.baseURL);
  const secret = options.apiKey;
  const redact = (text: string): string => (secret ? text.split(secret).join("[redacted]") : text);

  const fail = (failure: FailureClass, attempts: number): ModelError => {
    const after = attempts > 1 ? ` after ${attempts} attempts` : "";
    const hint = failure.kind === "auth" ? " (check OPENAI_API_KEY)" : "";
    const line = `${source}: ${failure.label}${after}: ${failure.detail}${hint}`.replace(/\s+/g, " ");
    return new ModelError(redact(line), failure.kind, failure.status, attempts);
  };
  const aborted = (attempts: number): ModelError =>
    new ModelError(`${source}: request aborted`, "aborted", undefined, attempts);

  return {
    name: "openai",
    model: options.model,
    async createTurn(request: ModelRequest, events?: ModelCallEvents): Promise<ModelTurn> {
      const params = toChatParams(options.model, request, maxTokensField);
      for (let attempt = 1; ; attempt++) {
        if (request.signal?.aborted) throw aborted(attempt - 1);
        try {
          return await streamAttempt(client, params, request, events, timeoutMs);
        } catch (error) {
          if (request.signal?.aborted) throw aborted(attempt);
          const failure = classifyOpenAIError(error);
          if (!failure.retryable || attempt >= maxAttempts) throw fail(failure, attempt);
          const delayMs = retryDelayMs(attempt, policy, failure.headers);
          events?.onRetry?.({ attempt, delayMs, error: redact(`${failure.label}: ${failure.detail}`) });
          if (!(await sleep(delayMs, request.signal))) throw aborted(attempt);
        }
      }
    },
  };
}
