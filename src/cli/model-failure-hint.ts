import type { ModelErrorKind } from "../model/types.js";
import { modelEndpoint } from "./model-endpoint.js";

interface Failure {
  kind: ModelErrorKind;
  status: number | undefined;
}

/** The ModelError under the error (an AgentRunError carries it as its cause). */
function modelFailure(error: unknown): Failure | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 4; depth++) {
    if (current.name === "ModelError") return current as Error & Failure;
    current = current.cause;
  }
  return undefined;
}

/** A model id of the other API's family (gpt-4o asked of Anthropic): the fix is --provider, not another id. */
function otherApi(provider: string, model: string): { name: string; whose: string } | undefined {
  if (provider !== "openai" && /^(gpt-|chatgpt|o\d)/i.test(model))
    return { name: "openai", whose: "an OpenAI" };
  if (provider === "openai" && /^claude/i.test(model)) return { name: "anthropic", whose: "an Anthropic" };
  return undefined;
}

/** The next step after a model call failed for good, by what failed; undefined when there is none to name. */
export function modelFailureHint(
  error: unknown,
  provider: { name: string; model: string },
  env: NodeJS.ProcessEnv,
): string | undefined {
  const endpoint = modelEndpoint(provider.name, env);
  const key = provider.name === "openai" ? "OPENAI_API_KEY" : "ANTHROPIC_API_KEY";
  const moved = endpoint.fromEnv ? ` (set by ${endpoint.variable})` : "";
  const failure = modelFailure(error);
  // Both APIs answer 404 for a model id they do not have.
  if (failure?.kind === "bad_request" && failure.status === 404) {
    const other = otherApi(provider.name, provider.model);
    const switchTo = other
      ? ` ${provider.model} is ${other.whose} model name: add --provider ${other.name}, or`
      : "";
    return `${endpoint.url} has no model ${provider.model}:${switchTo} --model (or MODEL_ID) picks another.`;
  }
  switch (failure?.kind) {
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
