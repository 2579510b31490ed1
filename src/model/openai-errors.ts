import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
  OpenAIError,
} from "openai";
import { classifyError, deepestMessage, kindForStatus, type FailureClass } from "./retry.js";

/** The message in an OpenAI error body (`{"error": {"message": ...}}`), if there is one. */
function bodyMessage(error: APIError): string | undefined {
  const message = (error.error as { message?: unknown } | undefined)?.message;
  return typeof message === "string" && message !== "" ? message : undefined;
}

function classifyStatus(error: APIError, status: number): FailureClass {
  const headers = error.headers;
  let [kind, retryable] = kindForStatus(status);
  // The server's own hint wins, as it does in the SDK's retry policy.
  const hint = headers?.get("x-should-retry");
  if (hint === "true" || hint === "false") retryable = hint === "true";
  if (kind === "bad_request" && retryable) kind = "server";
  const label = `${status} ${error.code ?? error.type ?? "error"}`;
  return { kind, retryable, status, label, detail: bodyMessage(error) ?? error.message, headers };
}

/**
 * Sorts any error thrown by one streamed Chat Completions attempt into retryable or not, with a kind for
 * ModelError. Socket resets and unparsable stream data look the same whichever SDK read them, so those
 * go to the shared classifier.
 */
export function classifyOpenAIError(error: unknown): FailureClass {
  const none = { status: undefined, headers: undefined };
  if (error instanceof APIUserAbortError) {
    return { ...none, kind: "aborted", retryable: false, label: "aborted", detail: "request aborted" };
  }
  if (error instanceof APIConnectionTimeoutError) {
    return { ...none, kind: "network", retryable: true, label: "request timed out", detail: error.message };
  }
  if (error instanceof APIConnectionError) {
    const detail = deepestMessage(error);
    return { ...none, kind: "network", retryable: true, label: "connection failed", detail };
  }
  if (error instanceof APIError && typeof error.status === "number")
    return classifyStatus(error, error.status);
  if (error instanceof APIError) {
    // `data: {"error": ...}` inside a 200 stream: the server failed mid-answer.
    const label = `${error.code ?? error.type ?? "error"} in stream`;
    const detail = bodyMessage(error) ?? error.message;
    return { kind: "server", retryable: true, status: undefined, label, detail, headers: error.headers };
  }
  const shared = classifyError(error);
  if (!shared.retryable && error instanceof OpenAIError) {
    // Our own check that the stream ended properly, or the SDK's: a fresh attempt is the cure.
    return { ...shared, kind: "server", retryable: true, label: "broken stream" };
  }
  return shared;
}
