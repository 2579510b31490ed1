import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";

/* eslint-disable @typescript-eslint/no-explicit-any -- request bodies are loose JSON in tests */

export interface CapturedRequest {
  body: any;
  headers: Record<string, string>;
  receivedAt: number;
}

export type FakeContent =
  | { type: "text"; text: string }
  | { type: "tool_use"; id?: string; name: string; input: Record<string, unknown> };

export type FakeReply =
  | { kind: "message"; content: FakeContent[]; stop_reason?: string; usage?: Partial<FakeUsage> }
  | { kind: "error"; status: number; type?: string; message?: string; headers?: Record<string, string> }
  /** message_start and part of a text block, then a TCP reset. */
  | { kind: "reset" }
  /** A `data:` line that is not JSON in the middle of a 200 stream. */
  | { kind: "malformed" }
  /** An `event: error` inside a 200 stream, as the real API sends when it overloads mid-answer. */
  | { kind: "sse-error"; type?: string }
  /** Never answers, not even headers. */
  | { kind: "hang" }
  /** Headers, message_start and part of a text block, then silence: a server that stops mid-stream. */
  | { kind: "stall" };

export type FakeHandler = (request: CapturedRequest, index: number) => FakeReply | Promise<FakeReply>;

export interface FakeAnthropic {
  url: string;
  requests: CapturedRequest[];
  close(): Promise<void>;
}

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

/** Splits a string into up to `parts` pieces so deltas arrive in several chunks like the real API. */
function split(text: string, parts = 3): string[] {
  const size = Math.max(1, Math.ceil(text.length / parts));
  const pieces: string[] = [];
  for (let at = 0; at < text.length; at += size) pieces.push(text.slice(at, at + size));
  return pieces;
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

function sendJson(response: ServerResponse, status: number, body: unknown, headers = {}): void {
  response.writeHead(status, { "content-type": "application/json", ...headers });
  response.end(JSON.stringify(body));
}

function startStream(response: ServerResponse): void {
  response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
}

function answer(reply: FakeReply, request: CapturedRequest, response: ServerResponse, socket: Socket): void {
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
      startStream(response);
      // Flush the partial stream first so the client sees a reset mid-stream, not a refused request.
      response.write(messageStart(model) + partialText(), () =>
        setTimeout(() => socket.resetAndDestroy(), 20),
      );
      return;
    case "stall":
      startStream(response);
      response.write(messageStart(model) + partialText());
      return;
    case "hang":
      return;
  }
}

/** A fake Anthropic Messages API on 127.0.0.1, scripted per request by `handler`. */
export async function startFakeAnthropic(handler: FakeHandler): Promise<FakeAnthropic> {
  const requests: CapturedRequest[] = [];
  const sockets = new Set<Socket>();
  let toolIds = 0;

  const server = createServer((incoming: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      let body: any = raw;
      try {
        body = JSON.parse(raw);
      } catch {
        // Keep the raw text: a test may want to see what was sent.
      }
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(incoming.headers)) {
        if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
      }
      if (incoming.method !== "POST" || !incoming.url?.startsWith("/v1/messages")) {
        sendJson(response, 404, errorBody("not_found_error", `no route ${incoming.method} ${incoming.url}`));
        return;
      }
      const request: CapturedRequest = { body, headers, receivedAt: Date.now() };
      const index = requests.push(request) - 1;
      void Promise.resolve()
        .then(() => handler(request, index))
        .then(
          (reply) => {
            if (reply.kind === "message") {
              const content = reply.content.map((block) =>
                block.type === "tool_use" && block.id === undefined
                  ? { ...block, id: `toolu_${++toolIds}` }
                  : block,
              );
              reply = { ...reply, content };
            }
            answer(reply, request, response, incoming.socket);
          },
          (error: unknown) =>
            sendJson(response, 500, errorBody("api_error", `fake handler threw: ${String(error)}`)),
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

  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        // Hanging and stalled answers hold sockets open; destroy them so close() always finishes.
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
