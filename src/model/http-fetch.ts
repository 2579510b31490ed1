import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { LightHeaders, type LightHeadersInit } from "./light-headers.js";

/** The part of fetch's Response the model SDKs read: status, headers, and the body as a stream or text. */
export interface HttpResponse {
  readonly ok: boolean;
  readonly status: number;
  readonly statusText: string;
  readonly url: string;
  readonly redirected: false;
  readonly headers: LightHeaders;
  readonly body: ReadableStream<Uint8Array>;
  readonly bodyUsed: boolean;
  text(): Promise<string>;
  json(): Promise<unknown>;
  arrayBuffer(): Promise<ArrayBuffer>;
}

export interface HttpFetchInit {
  method?: string;
  headers?: LightHeadersInit | null;
  body?: unknown;
  signal?: AbortSignal | null;
}

/** Node's own fetch, for what this one leaves to it (uploads, redirects, other schemes). */
export type FallbackFetch = (input: string | URL, init?: HttpFetchInit) => Promise<unknown>;

/** A body this fetch sends itself: the SDKs' JSON requests are strings. */
function plainBody(body: unknown): string | Uint8Array | undefined | false {
  if (body === undefined || body === null) return undefined;
  if (typeof body === "string" || body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  return false;
}

/** fetch's own failure shapes, so the SDKs classify them as for fetch: a TypeError with the cause. */
const fetchFailed = (cause: unknown): TypeError => new TypeError("fetch failed", { cause });
const terminated = (cause: unknown): TypeError => new TypeError("terminated", { cause });

function urlOf(input: string | URL | { url: string }): URL {
  return new URL(typeof input === "string" || input instanceof URL ? input : input.url);
}

/**
 * fetch over node:http for an agent worker: a worker that used node's fetch carried all of undici and its
 * WebAssembly HTTP parser (bench agents: 4 MB of a waiting worker's RSS). It covers what the model SDKs do,
 * a request with a string body whose reply is read as a stream or as text, and hands anything else
 * (another body type, a redirect, a scheme other than http(s)) to `fallback`, node's own fetch.
 */
export function createHttpFetch(fallback: FallbackFetch) {
  return function httpFetch(
    input: string | URL | { url: string },
    init: HttpFetchInit = {},
  ): Promise<HttpResponse | unknown> {
    const url = urlOf(input);
    const body = plainBody(init.body);
    if (body === false || (url.protocol !== "http:" && url.protocol !== "https:"))
      return fallback(typeof input === "string" || input instanceof URL ? input : url, init);
    return send(url, init, body, () => fallback(url, init));
  };
}

function send(
  url: URL,
  init: HttpFetchInit,
  body: string | Uint8Array | undefined,
  redirect: () => Promise<unknown>,
): Promise<HttpResponse | unknown> {
  const { signal } = init;
  if (signal?.aborted) return Promise.reject(signal.reason);
  const headers = new LightHeaders(init.headers);
  if (body !== undefined && !headers.has("content-length"))
    headers.set("content-length", typeof body === "string" ? Buffer.byteLength(body) : body.byteLength);
  return new Promise((resolve, reject) => {
    const request = (url.protocol === "https:" ? httpsRequest : httpRequest)(url, {
      method: init.method ?? "GET",
      headers: Object.fromEntries(headers),
    });
    const onAbort = (): void => void request.destroy(signal?.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    const forget = (): void => signal?.removeEventListener("abort", onAbort);
    request.once("error", (error) => {
      forget();
      reject(signal?.aborted ? signal.reason : fetchFailed(error));
    });
    request.once("response", (response) => {
      const location = response.headers.location;
      if (
        response.statusCode !== undefined &&
        response.statusCode >= 300 &&
        response.statusCode < 400 &&
        location
      ) {
        forget();
        response.resume();
        return resolve(redirect());
      }
      response.once("close", forget);
      resolve(toResponse(url, response, signal));
    });
    request.end(body);
  });
}

function toResponse(
  url: URL,
  message: IncomingMessage,
  signal: AbortSignal | null | undefined,
): HttpResponse {
  const headers = new LightHeaders();
  for (let i = 0; i + 1 < message.rawHeaders.length; i += 2)
    headers.append(message.rawHeaders[i]!, message.rawHeaders[i + 1]!);
  const body = bodyStream(message, signal);
  const read = async (): Promise<Uint8Array> => {
    const chunks: Uint8Array[] = [];
    for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) chunks.push(chunk);
    return Buffer.concat(chunks);
  };
  const status = message.statusCode ?? 0;
  return {
    ok: status >= 200 && status < 300,
    status,
    statusText: message.statusMessage ?? "",
    url: url.href,
    redirected: false,
    headers,
    body,
    get bodyUsed() {
      return body.locked;
    },
    text: async () => new TextDecoder().decode(await read()),
    json: async () => JSON.parse(new TextDecoder().decode(await read())) as unknown,
    arrayBuffer: async () => {
      const bytes = await read();
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    },
  };
}

/**
 * The reply as a web stream with backpressure; a connection that drops before the end fails the read with
 * a TypeError, as fetch does (the SDKs raise that as a connection error), an abort with the signal's reason.
 */
function bodyStream(
  message: IncomingMessage,
  signal: AbortSignal | null | undefined,
): ReadableStream<Uint8Array> {
  let open = true;
  const fail = (error: unknown): void => {
    if (open) controller_?.error(signal?.aborted ? signal.reason : terminated(error));
    open = false;
  };
  let controller_: ReadableStreamDefaultController<Uint8Array> | undefined;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller_ = controller;
      message.on("data", (chunk: Buffer) => {
        if (!open) return;
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        if ((controller.desiredSize ?? 0) <= 0) message.pause();
      });
      message.once("end", () => {
        if (open) controller.close();
        open = false;
      });
      message.once("error", fail);
      message.once("close", () => fail(undefined));
      message.pause();
    },
    pull() {
      message.resume();
    },
    cancel() {
      open = false;
      message.destroy();
    },
  });
}
