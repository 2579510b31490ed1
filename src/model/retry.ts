import {
  AnthropicError,
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
} from "@anthropic-ai/sdk";
import type { ModelErrorKind } from "./types.js";

/** What one failed attempt means for the retry loop. */
export interface FailureClass {
  kind: ModelErrorKind;
  retryable: boolean;
  status: number | undefined;
  /** Short name of the failure for a one-line message: "529 overloaded_error", "connection lost mid-stream". */
  label: string;
  /** What the server or the socket said, if anything. */
  detail: string;
  /** Response headers, for `retry-after`. */
  headers: Headers | undefined;
}

export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

// Socket-level codes from node:net and undici: the connection died, a new attempt may well succeed.
const connectionCodes = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "EPIPE",
  "ETIMEDOUT",
  "EAI_AGAIN",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
  "UND_ERR_BODY_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
]);

const kindByType: Record<string, [ModelErrorKind, boolean]> = {
  overloaded_error: ["overloaded", true],
  rate_limit_error: ["rate_limit", true],
  api_error: ["server", true],
  timeout_error: ["network", true],
  authentication_error: ["auth", false],
  permission_error: ["auth", false],
  invalid_request_error: ["bad_request", false],
  not_found_error: ["bad_request", false],
  request_too_large: ["bad_request", false],
};

/** The error and its `cause`s: the SDK wraps socket and JSON errors, so the real reason sits deeper. */
function causeChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let current = error; current !== undefined && chain.length < 8;) {
    chain.push(current);
    current = current instanceof Error ? current.cause : undefined;
  }
  return chain;
}

/** The innermost non-empty message along the cause chain: the socket's or parser's own words. */
export function deepestMessage(error: unknown): string {
  const messages = causeChain(error).map((item) => (item instanceof Error ? item.message : String(item)));
  return messages.filter((message) => message.length > 0).at(-1) ?? "no details";
}

function hasConnectionCode(item: unknown): boolean {
  const code = (item as { code?: unknown } | null)?.code;
  return typeof code === "string" && connectionCodes.has(code);
}

/** What an HTTP status means for a model call, whichever API answered: kind and whether to retry. */
export function kindForStatus(status: number): [ModelErrorKind, boolean] {
  if (status === 401 || status === 403) return ["auth", false];
  if (status === 429) return ["rate_limit", true];
  if (status === 529) return ["overloaded", true];
  if (status === 408) return ["network", true];
  if (status >= 500) return ["server", true];
  return ["bad_request", false];
}

/** An HTTP error status, from either API: `name` is its error type or code, `detail` what its body said. */
export function statusFailure(
  status: number,
  headers: Headers | undefined,
  name: string,
  detail: string,
): FailureClass {
  let [kind, retryable] = kindForStatus(status);
  // The server's own hint wins, as it does in the SDKs' retry policies.
  const hint = headers?.get("x-should-retry");
  if (hint === "true" || hint === "false") retryable = hint === "true";
  if (kind === "bad_request" && retryable) kind = "server";
  return { kind, retryable, status, label: `${status} ${name}`, detail, headers };
}

type ErrorClass = abstract new (...args: never[]) => Error;

/** Each SDK defines these for itself (same names and meaning, different classes), so each passes its own. */
export interface SdkTransportErrors {
  APIUserAbortError: ErrorClass;
  APIConnectionTimeoutError: ErrorClass;
  APIConnectionError: ErrorClass;
}

const noResponse = { status: undefined, headers: undefined };

/** Aborted, timed out or never connected, as the SDK reports it; undefined for any other error. */
export function transportFailure(error: unknown, sdk: SdkTransportErrors): FailureClass | undefined {
  if (error instanceof sdk.APIUserAbortError) {
    return { ...noResponse, kind: "aborted", retryable: false, label: "aborted", detail: "request aborted" };
  }
  if (error instanceof sdk.APIConnectionTimeoutError) {
    const detail = error.message;
    return { ...noResponse, kind: "network", retryable: true, label: "request timed out", detail };
  }
  if (error instanceof sdk.APIConnectionError) {
    const detail = deepestMessage(error);
    return { ...noResponse, kind: "network", retryable: true, label: "connection failed", detail };
  }
  return undefined;
}

const anthropicTransportErrors = { APIUserAbortError, APIConnectionTimeoutError, APIConnectionError };

/** Sorts any error thrown by one streaming attempt into retryable or not, with a kind for ModelError. */
export function classifyError(error: unknown): FailureClass {
  const transport = transportFailure(error, anthropicTransportErrors);
  if (transport) return transport;
  if (error instanceof APIError && typeof error.status === "number") {
    const detail = error.apiMessage ?? error.message;
    return statusFailure(error.status, error.headers, error.type ?? "error", detail);
  }
  if (error instanceof APIError) {
    // An `event: error` inside a 200 stream: no status, only the error type from its body.
    const type = error.type ?? "unknown_error";
    const [kind, retryable] = kindByType[type] ?? ["server", true];
    const detail = error.apiMessage ?? error.message;
    return { kind, retryable, status: undefined, label: `${type} in stream`, detail, headers: error.headers };
  }
  const chain = causeChain(error);
  if (chain.some((item) => item instanceof SyntaxError)) {
    const detail = deepestMessage(error);
    return { ...noResponse, kind: "server", retryable: true, label: "malformed stream data", detail };
  }
  if (chain.some(hasConnectionCode)) {
    const detail = deepestMessage(error);
    return { ...noResponse, kind: "network", retryable: true, label: "connection lost mid-stream", detail };
  }
  if (error instanceof AnthropicError) {
    // The SDK's own stream checks (ended early, events out of order): a fresh attempt is the cure.
    return {
      ...noResponse,
      kind: "server",
      retryable: true,
      label: "broken stream",
      detail: deepestMessage(error),
    };
  }
  return {
    ...noResponse,
    kind: "server",
    retryable: false,
    label: "unexpected error",
    detail: deepestMessage(error),
  };
}

/** The wait the server asked for via `retry-after-ms` or `retry-after` (seconds or an HTTP date). */
export function serverRetryDelayMs(headers: Headers | undefined, now = Date.now()): number | undefined {
  const milliseconds = Number.parseFloat(headers?.get("retry-after-ms") ?? "");
  if (Number.isFinite(milliseconds) && milliseconds >= 0) return milliseconds;
  const retryAfter = headers?.get("retry-after")?.trim();
  if (retryAfter === undefined || retryAfter === "") return undefined;
  const seconds = Number(retryAfter);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const date = Date.parse(retryAfter);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

/**
 * Delay before the next attempt after `failedAttempts` failures: the server's hint when it gave one, else
 * exponential backoff with full jitter (spreads clients apart after a shared outage); always <= maxMs.
 */
export function retryDelayMs(
  failedAttempts: number,
  policy: BackoffPolicy,
  headers?: Headers,
  random: () => number = Math.random,
  now = Date.now(),
): number {
  const fromServer = serverRetryDelayMs(headers, now);
  if (fromServer !== undefined) return Math.min(Math.ceil(fromServer), policy.maxMs);
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, failedAttempts - 1));
  return Math.round(random() * ceiling);
}
