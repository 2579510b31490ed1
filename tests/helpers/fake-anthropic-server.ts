import {
  answerDroppedStream,
  sendJson,
  split,
  startFakeServer,
  startStream,
  type Exchange,
  type FakeFault,
  type FakeServer,
  type ScriptedHandler,
} from "./fake-api-server.js";
import { FakePromptCache, type CacheUsage, type PromptCacheOptions } from "./fake-prompt-cache.js";

export type { CapturedRequest } from "./fake-api-server.js";

export type FakeContent =
  | { type: "text"; text: string }
  | { type: "tool_use"; id?: string; name: string; input: Record<string, unknown> };

export type FakeReply =
  | { kind: "message"; content: FakeContent[]; stop_reason?: string; usage?: Partial<FakeUsage> }
  /** Reset and stall come after message_start and part of a text block. */
  | FakeFault
  /** An `event: error` inside a 200 stream, as the real API sends when it overloads mid-answer. */
  | { kind: "sse-error"; type?: string };

export type FakeHandler = ScriptedHandler<FakeReply>;

export type FakeAnthropic = FakeServer;

interface FakeUsage extends CacheUsage {
  output_tokens: number;
}

/** Usage as billed: the cache's charge, then whatever the script overrides. */
type Billed = FakeUsage;

const statusForType: Record<string, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  permission_error: 403,
  not_found_error: 404,
  rate_limit_error: 429,
  api_error: 500,
  overloaded_error: 529,
};
const typeForStatus: Record<number, string> = Object.fromEntries(
  Object.entries(statusForType).map(([type, status]) => [status, type]),
);

export function textReply(text: string): FakeReply {
  return { kind: "message", content: [{ type: "text", text }] };
}

export function toolReply(
  calls: { name: string; input: Record<string, unknown>; id?: string }[],
  text?: string,
): FakeReply {
  const content: FakeContent[] = text === undefined ? [] : [{ type: "text", text }];
  for (const call of calls) content.push({ type: "tool_use", ...call });
  return { kind: "message", content, stop_reason: "tool_use" };
}

function sse(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`;
}

const unbilled: Billed = {
  input_tokens: 10,
  cache_creation_input_tokens: 0,
  cache_read_input_tokens: 0,
  output_tokens: 5,
};

function messageStart(model: string, billed: Billed = unbilled): string {
  const message = { id: "msg_fake", type: "message", role: "assistant", model, content: [] };
  const usage = { ...billed, output_tokens: 1 };
  return sse("message_start", {
    type: "message_start",
    message: { ...message, stop_reason: null, stop_sequence: null, usage },
  });
}

function partialText(): string {
  const start = { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } };
  const delta = { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Partial" } };
  return sse("content_block_start", start) + sse("content_block_delta", delta);
}

function errorBody(type: string, message: string): unknown {
  return { type: "error", error: { type, message }, request_id: "req_fake" };
}

function messageEvents(
  reply: Extract<FakeReply, { kind: "message" }>,
  model: string,
  billed: Billed,
): string[] {
  const events = [messageStart(model, billed), sse("ping", { type: "ping" })];
  reply.content.forEach((block, index) => {
    const empty = block.type === "text" ? { type: "text", text: "" } : { ...block, input: {} };
    events.push(sse("content_block_start", { type: "content_block_start", index, content_block: empty }));
    const pieces = block.type === "text" ? split(block.text) : split(JSON.stringify(block.input));
    for (const piece of pieces) {
      const delta =
        block.type === "text"
          ? { type: "text_delta", text: piece }
          : { type: "input_json_delta", partial_json: piece };
      events.push(sse("content_block_delta", { type: "content_block_delta", index, delta }));
    }
    events.push(sse("content_block_stop", { type: "content_block_stop", index }));
  });
  const usage = { output_tokens: billed.output_tokens };
  const delta = { stop_reason: reply.stop_reason ?? "end_turn", stop_sequence: null };
  events.push(sse("message_delta", { type: "message_delta", delta, usage }));
  events.push(sse("message_stop", { type: "message_stop" }));
  return events;
}

function answer(reply: FakeReply, exchange: Exchange, charged: CacheUsage | undefined): void {
  const { request, response } = exchange;
  const streaming = request.body?.stream === true;
  const model = String(request.body?.model ?? "fake-model");
  switch (reply.kind) {
    case "message": {
      const usage: Billed = { ...unbilled, ...charged, ...reply.usage };
      request.usage = { ...usage };
      if (!streaming) {
        const message = { id: "msg_fake", type: "message", role: "assistant", model, content: reply.content };
        sendJson(response, 200, { ...message, stop_reason: reply.stop_reason ?? "end_turn", usage });
        return;
      }
      startStream(response);
      for (const event of messageEvents(reply, model, usage)) response.write(event);
      response.end();
      return;
    }
    case "error": {
      const type = reply.type ?? typeForStatus[reply.status] ?? "api_error";
      sendJson(response, reply.status, errorBody(type, reply.message ?? `fake ${type}`), reply.headers);
      return;
    }
    case "sse-error": {
      const type = reply.type ?? "overloaded_error";
      const body = errorBody(type, type === "overloaded_error" ? "Overloaded" : `fake ${type}`);
      if (!streaming) return sendJson(response, statusForType[type] ?? 500, body);
      startStream(response);
      response.end(messageStart(model) + sse("error", body));
      return;
    }
    case "malformed":
      startStream(response);
      response.end(messageStart(model) + "event: content_block_start\ndata: {not json at all\n\n");
      return;
    case "reset":
    case "stall":
    case "hang":
      answerDroppedStream(reply.kind, messageStart(model) + partialText(), exchange);
      return;
  }
}

export type FakeAnthropicOptions = PromptCacheOptions;

/**
 * A fake Anthropic Messages API on 127.0.0.1, scripted per request by `handler`. Every request is billed
 * by a simulated prompt cache (see FakePromptCache); one over `contextWindow` tokens, or with more than 4
 * breakpoints, is refused with a 400 before the handler sees it (the handler's index still counts it).
 */
export function startFakeAnthropic(
  handler: FakeHandler,
  options: FakeAnthropicOptions = {},
): Promise<FakeAnthropic> {
  const cache = new FakePromptCache(options);
  let toolIds = 0;
  const withToolIds = (reply: FakeReply): FakeReply => {
    if (reply.kind !== "message") return reply;
    const content = reply.content.map((block) =>
      block.type === "tool_use" && block.id === undefined ? { ...block, id: `toolu_${++toolIds}` } : block,
    );
    return { ...reply, content };
  };
  const charges = new WeakMap<object, { usage: CacheUsage; commit: () => void }>();
  const billedHandler: FakeHandler = (request, index) => {
    const verdict = cache.charge(request.body);
    if (!verdict.ok)
      return { kind: "error", status: 400, type: "invalid_request_error", message: verdict.message };
    charges.set(request, verdict);
    return handler(request, index);
  };
  return startFakeServer<FakeReply>({
    path: "/v1/messages",
    modelsPath: "/v1/models",
    handler: billedHandler,
    answer: (reply, exchange) => {
      const charge = charges.get(exchange.request);
      // Only an answered message is billed and cached; a scripted fault is not.
      if (reply.kind === "message") charge?.commit();
      answer(withToolIds(reply), exchange, charge?.usage);
    },
    errorBody: (status, message) =>
      errorBody(
        status === 404 ? "not_found_error" : status === 401 ? "authentication_error" : "api_error",
        message,
      ),
  });
}
