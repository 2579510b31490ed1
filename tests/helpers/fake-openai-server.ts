import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";

/* eslint-disable @typescript-eslint/no-explicit-any -- request bodies are loose JSON in tests */

export interface CapturedRequest {
  body: any;
  headers: Record<string, string>;
  receivedAt: number;
}

export interface FakeToolCall {
  id?: string;
  name: string;
  /** An object is sent as its JSON; a string is sent as is, so a test can send arguments that are not JSON. */
  arguments: Record<string, unknown> | string;
}

export interface FakeUsage {
  prompt_tokens: number;
  completion_tokens: number;
}

export type FakeReply =
  | {
      kind: "message";
      text?: string;
      toolCalls?: FakeToolCall[];
      finish_reason?: string;
      /** null: no usage at all, as some local servers do. */
      usage?: FakeUsage | null;
    }
  | {
      kind: "error";
      status: number;
      message?: string;
      type?: string;
      code?: string;
      headers?: Record<string, string>;
    }
  /** The first chunks of a text answer, then a TCP reset. */
  | { kind: "reset" }
  /** A `data:` line that is not JSON in the middle of a 200 stream. */
  | { kind: "malformed" }
  /** `data: {"error": ...}` inside a 200 stream, as the API sends when it fails mid-answer. */
  | { kind: "stream-error"; message?: string }
  /** Never answers, not even headers. */
  | { kind: "hang" }
  /** Headers and the first chunks of a text answer, then silence. */
  | { kind: "stall" };

export type FakeHandler = (request: CapturedRequest, index: number) => FakeReply | Promise<FakeReply>;

export interface FakeOpenAI {
  /** http://127.0.0.1:PORT (no /v1). */
  url: string;
  /** `url` + "/v1", what the SDK takes as baseURL. */
  baseURL: string;
  requests: CapturedRequest[];
  close(): Promise<void>;
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

/** Splits a string into up to `parts` pieces so deltas arrive in several chunks like the real API. */
function split(text: string, parts = 3): string[] {
  const size = Math.max(1, Math.ceil(text.length / parts));
  const pieces: string[] = [];
  for (let at = 0; at < text.length; at += size) pieces.push(text.slice(at, at + size));
  return pieces;
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

function usageOf(reply: Extract<FakeReply, { kind: "message" }>): unknown {
  if (reply.usage === null) return null;
  const { prompt_tokens, completion_tokens } = reply.usage ?? { prompt_tokens: 12, completion_tokens: 7 };
  return { prompt_tokens, completion_tokens, total_tokens: prompt_tokens + completion_tokens };
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
  const usage = usageOf(reply);
  if (withUsage && usage !== null) events.push(data(chunk(model, [], usage)));
  events.push(data("[DONE]"));
  return events;
}

function completion(reply: Extract<FakeReply, { kind: "message" }>, model: string): unknown {
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
    usage: usageOf(reply),
  };
}

function errorBody(status: number, reply: Extract<FakeReply, { kind: "error" }>): unknown {
  const [type, code] = typeForStatus[status] ?? ["server_error", null];
  const message = reply.message ?? `fake ${status} ${type}`;
  return { error: { message, type: reply.type ?? type, param: null, code: reply.code ?? code } };
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers = {}): void {
  response.writeHead(status, { "content-type": "application/json", ...headers });
  response.end(JSON.stringify(body));
}

function startStream(response: ServerResponse): void {
  response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
}

function answer(reply: FakeReply, request: CapturedRequest, response: ServerResponse, socket: Socket): void {
  const streaming = request.body?.stream === true;
  const withUsage = request.body?.stream_options?.include_usage === true;
  const model = String(request.body?.model ?? "fake-model");
  switch (reply.kind) {
    case "message":
      if (!streaming) return sendJson(response, 200, completion(reply, model));
      startStream(response);
      for (const event of messageChunks(reply, model, withUsage)) response.write(event);
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
      startStream(response);
      // Flush the partial stream first so the client sees a reset mid-stream, not a refused request.
      response.write(firstChunks(model, "Partial"), () => setTimeout(() => socket.resetAndDestroy(), 20));
      return;
    case "stall":
      startStream(response);
      response.write(firstChunks(model, "Partial"));
      return;
    case "hang":
      return;
  }
}

function headersOf(incoming: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(incoming.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return headers;
}

/** A fake OpenAI-compatible `/v1/chat/completions` on 127.0.0.1, scripted per request by `handler`. */
export async function startFakeOpenAI(handler: FakeHandler): Promise<FakeOpenAI> {
  const requests: CapturedRequest[] = [];
  const sockets = new Set<Socket>();
  let callIds = 0;

  const server = createServer((incoming: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    incoming.on("data", (piece: Buffer) => chunks.push(piece));
    incoming.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      let body: any = raw;
      try {
        body = JSON.parse(raw);
      } catch {
        // Keep the raw text: a test may want to see what was sent.
      }
      if (incoming.method !== "POST" || !incoming.url?.startsWith("/v1/chat/completions")) {
        const error = {
          message: `no route ${incoming.method} ${incoming.url}`,
          type: "invalid_request_error",
        };
        sendJson(response, 404, { error: { ...error, param: null, code: null } });
        return;
      }
      const request: CapturedRequest = { body, headers: headersOf(incoming), receivedAt: Date.now() };
      const index = requests.push(request) - 1;
      void Promise.resolve()
        .then(() => handler(request, index))
        .then(
          (reply) => {
            if (reply.kind === "message" && reply.toolCalls) {
              const toolCalls = reply.toolCalls.map((call) => ({
                ...call,
                id: call.id ?? `call_fake${++callIds}`,
              }));
              reply = { ...reply, toolCalls };
            }
            answer(reply, request, response, incoming.socket);
          },
          (error: unknown) =>
            sendJson(response, 500, {
              error: { message: `fake handler threw: ${String(error)}`, type: "server_error" },
            }),
        );
    });
  });
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("fake server has no TCP address");
  const url = `http://127.0.0.1:${address.port}`;

  return {
    url,
    baseURL: `${url}/v1`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        // Hanging and stalled answers hold sockets open; destroy them so close() always finishes.
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
