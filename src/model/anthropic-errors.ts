import {
  AnthropicError,
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
} from "@anthropic-ai/sdk";
import {
  deepestMessage,
  noResponse,
  statusFailure,
  StreamDropError,
  streamFailure,
  transportFailure,
  unexpectedFailure,
  type FailureClass,
} from "./failure.js";
import type { ModelErrorKind } from "./types.js";

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

/** Anthropic says a prompt over the context window is "prompt is too long: N tokens > M maximum". */
const tooLong = /prompt is too long|exceeds? the (model's )?context (window|limit)/i;

const anthropicTransportErrors = { APIUserAbortError, APIConnectionTimeoutError, APIConnectionError };

/** Sorts any error thrown by one streaming Messages attempt into retryable or not, with a kind for ModelError. */
export function classifyAnthropicError(error: unknown): FailureClass {
  if (error instanceof StreamDropError) {
    const inner = classifyAnthropicError(error.cause);
    const dropped = inner.kind === "network" && inner.label === "connection failed";
    return dropped ? { ...inner, label: "connection lost mid-stream" } : inner;
  }
  const transport = transportFailure(error, anthropicTransportErrors);
  if (transport) return transport;
  if (error instanceof APIError && typeof error.status === "number") {
    const detail = error.apiMessage ?? error.message;
    const failure = statusFailure(error.status, error.headers, error.type ?? "error", detail);
    return error.status === 400 && tooLong.test(detail) ? { ...failure, kind: "context_too_long" } : failure;
  }
  if (error instanceof APIError) {
    // An `event: error` inside a 200 stream: no status, only the error type from its body.
    const type = error.type ?? "unknown_error";
    const [kind, retryable] = kindByType[type] ?? ["server", true];
    const detail = error.apiMessage ?? error.message;
    return { kind, retryable, status: undefined, label: `${type} in stream`, detail, headers: error.headers };
  }
  const stream = streamFailure(error);
  if (stream) return stream;
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
  return unexpectedFailure(error);
}
