/* eslint-disable @typescript-eslint/no-explicit-any -- request bodies are loose JSON in tests */
import {
  answerDroppedStream,
  sendJson,
  split,
  startFakeServer,
  startStream,
  type Exchange,
  type FakeErrorReply,
  type FakeFault,
  type FakeServer,
  type ScriptedHandler,
} from "./fake-api-server.js";
import { createHash } from "node:crypto";
import { tokensOf } from "./fake-prompt-cache.js";

export type { CapturedRequest } from "./fake-api-server.js";

export interface FakeToolCall {
  id?: string;
  name: string;
  /** An object is sent as its JSON; a string is sent as is, so a test can send arguments that are not JSON. */
  arguments: Record<string, unknown> | string;
}

export interface FakeUsage {
  prompt_tokens: number;
  completion_tokens: number;
  /** Sent as usage.prompt_tokens_details.cached_tokens. */
  cached_tokens?: number;
}

export interface FakeOpenAIOptions {
  /** Prompts longer than this many tokens are refused with 400 context_length_exceeded. */
  contextWindow?: number;
  /** What GET /v1/models lists, e.g. `[{ id: "m", max_model_len: 8192 }]` as vLLM says its window. */
  models?: Record<string, unknown>[];
}

export type FakeReply =
  | {
      kind: "message";
      text?: string | undefined;
      toolCalls?: FakeToolCall[];
      finish_reason?: string;
      /** null: no usage at all, as some local servers do. */
      usage?: FakeUsage | null | undefined;
    }
  /** `code` defaults to the one the API sends with `status`. */
  | (FakeErrorReply & { code?: string })
  /** Reset and stall come after the first chunks of a text answer. */
  | Exclude<FakeFault, FakeErrorReply>
  /** `data: {"error": ...}` inside a 200 stream, as the API sends when it fails mid-answer. */
  | { kind: "stream-error"; message?: string };

export type FakeHandler = ScriptedHandler<FakeReply>;

export interface FakeOpenAI extends FakeServer {
  /** http://127.0.0.1:PORT (no /v1). */
  url: string;
  /** `url` + "/v1", what the SDK takes as baseURL. */
  baseURL: string;
}

const typeForStatus: Record<number, [type: string, code: string | null]> = {
  400: ["invalid_request_error", null],
  401: ["invalid_request_error", "invalid_api_key"],
  403: ["invalid_request_error", "unsupported_country_region_territory"],
  404: ["invalid_request_error", "model_not_found"],
  429: ["requests", "rate_limit_exceeded"],
  500: ["server_error", null],
  503: ["server_error", null],
};

export function textReply(text: string, usage?: FakeUsage | null): FakeReply {
  return { kind: "message", text, usage };
}

export function toolReply(calls: FakeToolCall[], text?: string): FakeReply {
  return { kind: "message", text, toolCalls: calls };
}

function argumentsText(call: FakeToolCall): string {
  return typeof call.arguments === "string" ? call.arguments : JSON.stringify(call.arguments);
}

function data(payload: unknown): string {
  return `data: ${typeof payload === "string" ? payload : JSON.stringify(payload)}\n\n`;
}

/** One `chat.completion.chunk` with the envelope fields the real API sends on every chunk. */
function chunk(model: string, choices: unknown[], usage: unknown = null): unknown {
  const created = Math.floor(Date.now() / 1000);
  const envelope = { id: "chatcmpl-fake", object: "chat.completion.chunk", created, model };
  return { ...envelope, system_fingerprint: "fp_fake", choices, usage };
}

function deltaChunk(model: string, delta: unknown, finishReason: string | null = null): unknown {
  return chunk(model, [{ index: 0, delta, logprobs: null, finish_reason: finishReason }]);
}

function usageOf(reply: Extract<FakeReply, { kind: "message" }>, billed: FakeUsage | undefined): unknown {
  if (reply.usage === null) return null;
  const usage = reply.usage ?? billed ?? { prompt_tokens: 12, completion_tokens: 7 };
  const { prompt_tokens, completion_tokens } = usage;
  const details =
    usage.cached_tokens === undefined
      ? {}
      : { prompt_tokens_details: { cached_tokens: usage.cached_tokens } };
  return { prompt_tokens, completion_tokens, total_tokens: prompt_tokens + completion_tokens, ...details };
}

/**
 * OpenAI's automatic prompt caching, simulated: a request whose leading messages (tools first) match an
 * earlier answered request's reads them from cache, counted in 128-token steps from 1,024 tokens on.
 */
class AutomaticPrefixCache {
  private readonly seen = new Set<string>();

  private chain(body: any): { hash: string; tokens: number }[] {
    const parts = [
      JSON.stringify(body?.tools ?? []),
      ...(body?.messages ?? []).map((m: unknown) => JSON.stringify(m)),
    ];
    let hash = "";
    let tokens = 0;
    return parts.map((part: string) => {
      hash = createHash("sha1").update(hash).update(part).digest("hex");
      tokens += tokensOf(part);
      return { hash, tokens };
    });
  }

  bill(body: any): { prompt_tokens: number; cached_tokens: number; commit: () => void } {
    const chain = this.chain(body);
    const hit = chain.filter((link) => this.seen.has(link.hash)).at(-1)?.tokens ?? 0;
    const cached_tokens = hit >= 1024 ? Math.floor(hit / 128) * 128 : 0;
    const commit = (): void => chain.forEach((link) => this.seen.add(link.hash));
    return { prompt_tokens: chain.at(-1)?.tokens ?? 0, cached_tokens, commit };
  }
}

function finishReason(reply: Extract<FakeReply, { kind: "message" }>): string {
  return reply.finish_reason ?? ((reply.toolCalls ?? []).length > 0 ? "tool_calls" : "stop");
}

function firstChunks(model: string, text: string): string {
  const role = deltaChunk(model, { role: "assistant", content: "", refusal: null });
  return data(role) + data(deltaChunk(model, { content: text }));
}

function messageChunks(
  reply: Extract<FakeReply, { kind: "message" }>,
  model: string,
  withUsage: boolean,
  billed: FakeUsage | undefined,
): string[] {
  const events = [data(deltaChunk(model, { role: "assistant", content: "", refusal: null }))];
  for (const piece of split(reply.text ?? "")) events.push(data(deltaChunk(model, { content: piece })));
  (reply.toolCalls ?? []).forEach((call, index) => {
    // The first delta of a call carries its id, type and name; the arguments follow in pieces.
    const head = { index, id: call.id, type: "function", function: { name: call.name, arguments: "" } };
    events.push(data(deltaChunk(model, { tool_calls: [head] })));
    for (const piece of split(argumentsText(call))) {
      events.push(data(deltaChunk(model, { tool_calls: [{ index, function: { arguments: piece } }] })));
    }
  });
  events.push(data(deltaChunk(model, {}, finishReason(reply))));
  const usage = usageOf(reply, billed);
  if (withUsage && usage !== null) events.push(data(chunk(model, [], usage)));
  events.push(data("[DONE]"));
  return events;
}

function completion(
  reply: Extract<FakeReply, { kind: "message" }>,
  model: string,
  billed: FakeUsage | undefined,
): unknown {
  const toolCalls = (reply.toolCalls ?? []).map((call) => ({
    id: call.id,
    type: "function",
    function: { name: call.name, arguments: argumentsText(call) },
  }));
  const message = {
    role: "assistant",
    content: reply.text ?? null,
    refusal: null,
    ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
  };
  const choice = { index: 0, message, logprobs: null, finish_reason: finishReason(reply) };
  const created = Math.floor(Date.now() / 1000);
  return {
    id: "chatcmpl-fake",
    object: "chat.completion",
    created,
    model,
    choices: [choice],
    usage: usageOf(reply, billed),
  };
}

function errorBody(status: number, reply: Extract<FakeReply, { kind: "error" }>): unknown {
  const [type, code] = typeForStatus[status] ?? ["server_error", null];
  const message = reply.message ?? `fake ${status} ${type}`;
  return { error: { message, type: reply.type ?? type, param: null, code: reply.code ?? code } };
}

function answer(reply: FakeReply, exchange: Exchange, billed: FakeUsage | undefined): void {
  const { request, response } = exchange;
  const streaming = request.body?.stream === true;
  const withUsage = request.body?.stream_options?.include_usage === true;
  const model = String(request.body?.model ?? "fake-model");
  switch (reply.kind) {
    case "message":
      if (!streaming) return sendJson(response, 200, completion(reply, model, billed));
      startStream(response);
      for (const event of messageChunks(reply, model, withUsage, billed)) response.write(event);
      response.end();
      return;
    case "error":
      sendJson(response, reply.status, errorBody(reply.status, reply), reply.headers);
      return;
    case "stream-error": {
      const error = {
        message: reply.message ?? "The server had an error",
        type: "server_error",
        param: null,
        code: null,
      };
      if (!streaming) return sendJson(response, 500, { error });
      startStream(response);
      response.end(firstChunks(model, "Partial") + data({ error }));
      return;
    }
    case "malformed":
      startStream(response);
      response.end(firstChunks(model, "Partial") + "data: {not json at all\n\n");
      return;
    case "reset":
    case "stall":
    case "hang":
      answerDroppedStream(reply.kind, firstChunks(model, "Partial"), exchange);
      return;
  }
}

/**
 * A fake OpenAI-compatible `/v1/chat/completions` on 127.0.0.1, scripted per request by `handler`. Usage
 * the script leaves out is billed by a simulated automatic prefix cache; a prompt over `contextWindow`
 * tokens is refused with 400 context_length_exceeded before the handler sees it.
 */
export async function startFakeOpenAI(
  handler: FakeHandler,
  options: FakeOpenAIOptions = {},
): Promise<FakeOpenAI> {
  const cache = new AutomaticPrefixCache();
  const bills = new WeakMap<object, ReturnType<AutomaticPrefixCache["bill"]>>();
  const billedHandler: FakeHandler = (request, index) => {
    const bill = cache.bill(request.body);
    const window = options.contextWindow;
    if (window !== undefined && bill.prompt_tokens > window) {
      const message = `This model's maximum context length is ${window} tokens. However, your messages resulted in ${bill.prompt_tokens} tokens. Please reduce the length of the messages.`;
      return { kind: "error", status: 400, code: "context_length_exceeded", message };
    }
    bills.set(request, bill);
    return handler(request, index);
  };
  let callIds = 0;
  const withCallIds = (reply: FakeReply): FakeReply => {
    if (reply.kind !== "message" || !reply.toolCalls) return reply;
    const toolCalls = reply.toolCalls.map((call) => ({ ...call, id: call.id ?? `call_fake${++callIds}` }));
    return { ...reply, toolCalls };
  };
  const server = await startFakeServer<FakeReply>({
    path: "/v1/chat/completions",
    modelsPath: "/v1/models",
    ...(options.models ? { models: options.models } : {}),
    handler: billedHandler,
    answer: (reply, exchange) => {
      const bill = bills.get(exchange.request);
      if (reply.kind === "message") bill?.commit();
      const billed = bill && {
        prompt_tokens: bill.prompt_tokens,
        completion_tokens: 7,
        cached_tokens: bill.cached_tokens,
      };
      if (reply.kind === "message" && billed) exchange.request.usage = { ...billed, ...reply.usage };
      answer(withCallIds(reply), exchange, billed);
    },
    errorBody: (status, message) => {
      const type =
        status === 404 ? "invalid_request_error" : status === 401 ? "invalid_api_key" : "server_error";
      return { error: { message, type, param: null, code: null } };
    },
  });
  // The same object, not a copy: acceptedKey set on it later must reach the server.
  return Object.assign(server, { baseURL: `${server.url}/v1` });
}
