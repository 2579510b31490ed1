import type { ModelErrorKind } from "./types.js";

// What a failed model call means, whichever SDK made it. Each provider has its own classifier
// (anthropic-errors.ts, openai-errors.ts) built from these pieces; the retry loop only sees FailureClass.

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

/** The error and its `cause`s: the SDK wraps socket and JSON errors, so the real reason sits deeper. */
export function causeChain(error: unknown): unknown[] {
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

export function hasConnectionCode(item: unknown): boolean {
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

export const noResponse = { status: undefined, headers: undefined };

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

/** A failure after the stream had begun: the connection was lost mid-stream, not refused. */
export class StreamDropError extends Error {
  constructor(cause: unknown) {
    super("stream dropped", { cause });
    this.name = "StreamDropError";
  }
}

/**
 * Failures below the HTTP layer, the same whichever SDK read them: unparsable stream data, a socket that
 * died mid-stream. Undefined for anything else.
 */
export function streamFailure(error: unknown): FailureClass | undefined {
  const chain = causeChain(error);
  if (chain.some((item) => item instanceof SyntaxError)) {
    const detail = deepestMessage(error);
    return { ...noResponse, kind: "server", retryable: true, label: "malformed stream data", detail };
  }
  if (chain.some(hasConnectionCode)) {
    const detail = deepestMessage(error);
    return { ...noResponse, kind: "network", retryable: true, label: "connection lost mid-stream", detail };
  }
  return undefined;
}

/** Anything no classifier recognised: not retried, reported with its deepest message. */
export function unexpectedFailure(error: unknown): FailureClass {
  return {
    ...noResponse,
    kind: "server",
    retryable: false,
    label: "unexpected error",
    detail: deepestMessage(error),
  };
}
