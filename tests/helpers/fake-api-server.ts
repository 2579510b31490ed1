import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";

/* eslint-disable @typescript-eslint/no-explicit-any -- request bodies are loose JSON in tests */

export interface CapturedRequest {
  body: any;
  headers: Record<string, string>;
  receivedAt: number;
  /** What the simulated API billed this request (prompt tokens, cached or not), once it was answered. */
  usage?: Record<string, number>;
}

/** An HTTP error with the API's error body; `type` defaults to the one the API uses for `status`. */
export interface FakeErrorReply {
  kind: "error";
  status: number;
  message?: string;
  type?: string;
  headers?: Record<string, string>;
}

/** Faults both fake APIs play, each in its own wire format. */
export type FakeFault =
  | FakeErrorReply
  /** The first events of a text answer, then a TCP reset. */
  | { kind: "reset" }
  /** A `data:` line that is not JSON in the middle of a 200 stream. */
  | { kind: "malformed" }
  /** Never answers, not even headers. */
  | { kind: "hang" }
  /** Headers and the first events of a text answer, then silence: a server that stops mid-stream. */
  | { kind: "stall" };

/** One request being answered: what was asked, and where the answer goes. */
export interface Exchange {
  request: CapturedRequest;
  response: ServerResponse;
  socket: Socket;
}

export interface FakeServer {
  url: string;
  requests: CapturedRequest[];
  /** GETs of the model list (`lanes doctor`'s key check), apart from the scripted API requests. */
  listings: CapturedRequest[];
  /** When set, the model list answers 401 unless the request carries this key (x-api-key or Bearer). */
  acceptedKey?: string;
  close(): Promise<void>;
}

/** Scripts the server: the reply to the request at `index` (0 for the first). */
export type ScriptedHandler<Reply> = (request: CapturedRequest, index: number) => Reply | Promise<Reply>;

export interface FakeServerSpec<Reply> {
  /** POSTs to paths starting with this are the API; anything else gets a 404. */
  path: string;
  handler: ScriptedHandler<Reply>;
  answer: (reply: Reply, exchange: Exchange) => void;
  /** GET here lists the models: the free authenticated request a key check makes. */
  modelsPath: string;
  /** The API's error body, for the 404, a refused key (401) and a handler that throws (500). */
  errorBody: (status: 401 | 404 | 500, message: string) => unknown;
  /** The model list's entries (default: one, "fake-model"). */
  models?: Record<string, unknown>[];
}

/** Splits a string into up to `parts` pieces so deltas arrive in several chunks like the real API. */
export function split(text: string, parts = 3): string[] {
  const size = Math.max(1, Math.ceil(text.length / parts));
  const pieces: string[] = [];
  for (let at = 0; at < text.length; at += size) pieces.push(text.slice(at, at + size));
  return pieces;
}

export function sendJson(response: ServerResponse, status: number, body: unknown, headers = {}): void {
  response.writeHead(status, { "content-type": "application/json", ...headers });
  response.end(JSON.stringify(body));
}

export function startStream(response: ServerResponse): void {
  response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
}

/** Plays reset, stall or hang after `opening`, the first events of an answer in the API's own format. */
export function answerDroppedStream(
  kind: "reset" | "stall" | "hang",
  opening: string,
  { response, socket }: Exchange,
): void {
  if (kind === "hang") return;
  startStream(response);
  if (kind === "stall") {
    response.write(opening);
    return;
  }
  // Flush the partial stream first so the client sees a reset mid-stream, not a refused request.
  response.write(opening, () => setTimeout(() => socket.resetAndDestroy(), 20));
}

function headersOf(incoming: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(incoming.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return headers;
}

function parsedBody(raw: string): any {
  try {
    return JSON.parse(raw);
  } catch {
    // Keep the raw text: a test may want to see what was sent.
    return raw;
  }
}

/** An HTTP API on 127.0.0.1 that records every request and answers it as `handler` scripts. */
export async function startFakeServer<Reply>(spec: FakeServerSpec<Reply>): Promise<FakeServer> {
  const requests: CapturedRequest[] = [];
  const sockets = new Set<Socket>();
  // Made before the server so the model list reads acceptedKey from the very object the test holds.
  const fake: FakeServer = {
    url: "",
    requests,
    listings: [],
    close: () =>
      new Promise<void>((resolve) => {
        // Hanging and stalled answers hold sockets open; destroy them so close() always finishes.
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  const listModels = (incoming: IncomingMessage, response: ServerResponse): void => {
    const headers = headersOf(incoming);
    fake.listings.push({ body: undefined, headers, receivedAt: Date.now() });
    const key = headers["x-api-key"] ?? headers.authorization?.replace(/^Bearer /, "");
    if (fake.acceptedKey !== undefined && key !== fake.acceptedKey) {
      sendJson(response, 401, spec.errorBody(401, "invalid x-api-key"));
      return;
    }
    const data = spec.models ?? [{ id: "fake-model", type: "model", object: "model" }];
    sendJson(response, 200, { object: "list", data });
  };

  const server = createServer((incoming: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.on("end", () => {
      const body = parsedBody(Buffer.concat(chunks).toString("utf8"));
      if (incoming.method === "GET" && incoming.url?.split("?")[0] === spec.modelsPath) {
        listModels(incoming, response);
        return;
      }
      if (incoming.method !== "POST" || !incoming.url?.startsWith(spec.path)) {
        sendJson(response, 404, spec.errorBody(404, `no route ${incoming.method} ${incoming.url}`));
        return;
      }
      const request: CapturedRequest = { body, headers: headersOf(incoming), receivedAt: Date.now() };
      const index = requests.push(request) - 1;
      void Promise.resolve()
        .then(() => spec.handler(request, index))
        .then(
          (reply) => spec.answer(reply, { request, response, socket: incoming.socket }),
          (error: unknown) =>
            sendJson(response, 500, spec.errorBody(500, `fake handler threw: ${String(error)}`)),
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

  fake.url = `http://127.0.0.1:${address.port}`;
  return fake;
}
