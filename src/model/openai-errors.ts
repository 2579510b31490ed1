import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
  OpenAIError,
} from "openai";
import {
  statusFailure,
  streamFailure,
  transportFailure,
  unexpectedFailure,
  type FailureClass,
} from "./failure.js";

const openAITransportErrors = { APIUserAbortError, APIConnectionTimeoutError, APIConnectionError };

/** The message in an OpenAI error body (`{"error": {"message": ...}}`), if there is one. */
function bodyMessage(error: APIError): string | undefined {
  const message = (error.error as { message?: unknown } | undefined)?.message;
  return typeof message === "string" && message !== "" ? message : undefined;
}

/**
 * Sorts any error thrown by one streamed Chat Completions attempt into retryable or not, with a kind for
 * ModelError. Socket resets and unparsable stream data look the same whichever SDK read them, so those
 * go to the shared streamFailure; a prompt over the window is `context_too_long`.
 */
export function classifyOpenAIError(error: unknown): FailureClass {
  const transport = transportFailure(error, openAITransportErrors);
  if (transport) return transport;
  if (error instanceof APIError && typeof error.status === "number") {
    const name = error.code ?? error.type ?? "error";
    const failure = statusFailure(error.status, error.headers, name, bodyMessage(error) ?? error.message);
    return error.code === "context_length_exceeded" ? { ...failure, kind: "context_too_long" } : failure;
  }
  if (error instanceof APIError) {
    // `data: {"error": ...}` inside a 200 stream: the server failed mid-answer.
    const label = `${error.code ?? error.type ?? "error"} in stream`;
    const detail = bodyMessage(error) ?? error.message;
    return { kind: "server", retryable: true, status: undefined, label, detail, headers: error.headers };
  }
  const stream = streamFailure(error);
  if (stream) return stream;
  const unexpected = unexpectedFailure(error);
  if (error instanceof OpenAIError) {
    // Our own check that the stream ended properly, or the SDK's: a fresh attempt is the cure.
    return { ...unexpected, kind: "server", retryable: true, label: "broken stream" };
  }
  return unexpected;
}
