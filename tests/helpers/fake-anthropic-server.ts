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

interface FakeUsage {
  input_tokens: number;
  output_tokens: number;
}

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

function messageStart(model: string): string {
  const message = { id: "msg_fake", type: "message", role: "assistant", model, content: [] };
  const usage = { input_tokens: 10, output_tokens: 1 };
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

function messageEvents(reply: Extract<FakeReply, { kind: "message" }>, model: string): string[] {
  const events = [messageStart(model), sse("ping", { type: "ping" })];
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
  const usage = { output_tokens: reply.usage?.output_tokens ?? 5 };
  const delta = { stop_reason: reply.stop_reason ?? "end_turn", stop_sequence: null };
  events.push(sse("message_delta", { type: "message_delta", delta, usage }));
  events.push(sse("message_stop", { type: "message_stop" }));
  return events;
}

function answer(reply: FakeReply, exchange: Exchange): void {
  const { request, response } = exchange;
  const streaming = request.body?.stream === true;
  const model = String(request.body?.model ?? "fake-model");
  switch (reply.kind) {
    case "message": {
      if (!streaming) {
        const usage = { input_tokens: 10, output_tokens: 5, ...reply.usage };
        const message = { id: "msg_fake", type: "message", role: "assistant", model, content: reply.content };
        sendJson(response, 200, { ...message, stop_reason: reply.stop_reason ?? "end_turn", usage });
        return;
      }
      startStream(response);
      for (const event of messageEvents(reply, model)) response.write(event);
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

/** A fake Anthropic Messages API on 127.0.0.1, scripted per request by `handler`. */
export function startFakeAnthropic(handler: FakeHandler): Promise<FakeAnthropic> {
  let toolIds = 0;
  const withToolIds = (reply: FakeReply): FakeReply => {
    if (reply.kind !== "message") return reply;
    const content = reply.content.map((block) =>
      block.type === "tool_use" && block.id === undefined ? { ...block, id: `toolu_${++toolIds}` } : block,
    );
    return { ...reply, content };
  };
  return startFakeServer<FakeReply>({
    path: "/v1/messages",
    handler,
    answer: (reply, exchange) => answer(withToolIds(reply), exchange),
    errorBody: (status, message) => errorBody(status === 404 ? "not_found_error" : "api_error", message),
  });
}
