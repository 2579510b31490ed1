import type { ModelErrorKind } from "../model/types.js";
import { modelEndpoint } from "./model-endpoint.js";

/** The ModelError's kind under the error (an AgentRunError carries it as its cause). */
function failureKind(error: unknown): ModelErrorKind | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 4; depth++) {
    if (current.name === "ModelError") return (current as Error & { kind: ModelErrorKind }).kind;
    current = current.cause;
  }
  return undefined;
}

/** The next step after a model call failed for good, by what failed; undefined when there is none to name. */
export function modelFailureHint(
  error: unknown,
  provider: string,
  env: NodeJS.ProcessEnv,
): string | undefined {
  const endpoint = modelEndpoint(provider, env);
  const key = provider === "openai" ? "OPENAI_API_KEY" : "ANTHROPIC_API_KEY";
  const moved = endpoint.fromEnv ? ` (set by ${endpoint.variable})` : "";
  switch (failureKind(error)) {
    case "network":
      return `lanes could not reach the model API at ${endpoint.url}${moved}: check the network or proxy; lanes doctor checks the endpoint and the key.`;
    case "auth":
      return `${endpoint.url} refused the key: check ${key}; lanes doctor checks it.`;
    case "rate_limit":
    case "overloaded":
      return `The model API at ${endpoint.url} is busy: try again in a minute.`;
    default:
      return undefined;
  }
}
