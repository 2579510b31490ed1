import { MAX_TIMER_MS } from "../config/limits.js";
import path from "node:path";
import { UsageError } from "../config/usage-error.js";
import { lazyProvider } from "./lazy-provider.js";
import { createScriptProvider } from "./script-provider.js";
import type { ModelProvider } from "./types.js";

export const DEFAULT_MODEL = "claude-sonnet-5-5";
export const DEFAULT_OPENAI_MODEL = "gpt-5.4";

export type ProviderName = "anthropic" | "openai";

export interface CreateProviderOptions {
  /** `--model`: a model id, or `script:FILE.json` to replay a scripted conversation. */
  model?: string | undefined;
  /** `--provider`: which API; else LANES_PROVIDER, else anthropic. */
  provider?: ProviderName | undefined;
  env: NodeJS.ProcessEnv;
  /** Where a relative script path is resolved; defaults to process.cwd(), where the user typed it. */
  cwd?: string | undefined;
}

/** No credential in the environment for `provider`. The CLI words the next steps (cli/missing-key-text.ts), exit 2. */
export class MissingApiKeyError extends Error {
  override name = "MissingApiKeyError";
  constructor(readonly provider: ProviderName) {
    super(
      provider === "openai"
        ? "No API key: set OPENAI_API_KEY, or OPENAI_BASE_URL for a local server that needs none, or try the offline demo: lanes demo"
        : "No API key: set ANTHROPIC_API_KEY (or ANTHROPIC_AUTH_TOKEN), or try the offline demo: lanes demo",
    );
  }
}

/** An empty variable (`ANTHROPIC_API_KEY=` in a .env) counts as unset. */
function readVariable(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === "" ? undefined : value;
}

function readCount(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const value = readVariable(env, name);
  if (value === undefined) return undefined;
  const count = Number(value);
  if (!Number.isInteger(count) || count < 0 || count > MAX_TIMER_MS)
    throw new UsageError(`${name} must be a whole number from 0 to ${MAX_TIMER_MS}, got "${value}"`);
  return count;
}

function readProviderName(env: NodeJS.ProcessEnv): ProviderName {
  const value = readVariable(env, "LANES_PROVIDER") ?? "anthropic";
  if (value === "anthropic" || value === "openai") return value;
  throw new UsageError(`LANES_PROVIDER must be "anthropic" or "openai", got "${value}"`);
}

/** An endpoint variable: an http(s) URL, checked here so a typo fails at once instead of after retries. */
function readBaseUrl(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = readVariable(env, name);
  if (value === undefined) return undefined;
  let protocol: string | undefined;
  try {
    protocol = new URL(value).protocol;
  } catch {
    protocol = undefined;
  }
  if (protocol !== "http:" && protocol !== "https:")
    throw new UsageError(`${name} must be an http:// or https:// URL, got "${value}"`);
  return value;
}

function readRetryTuning(env: NodeJS.ProcessEnv) {
  return {
    maxRetries: readCount(env, "LANES_MAX_RETRIES"),
    retryBaseMs: readCount(env, "LANES_RETRY_BASE_MS"),
    retryMaxMs: readCount(env, "LANES_RETRY_MAX_MS"),
    requestTimeoutMs: readCount(env, "LANES_REQUEST_TIMEOUT_MS"),
  };
}

/** OpenAI itself needs a key; a server at OPENAI_BASE_URL (Ollama, llama.cpp, vLLM, LM Studio) may not. */
function openAIFromEnv(model: string, env: NodeJS.ProcessEnv): ModelProvider {
  const apiKey = readVariable(env, "OPENAI_API_KEY");
  const baseURL = readBaseUrl(env, "OPENAI_BASE_URL");
  if (apiKey === undefined && baseURL === undefined) {
    throw new MissingApiKeyError("openai");
  }
  const options = { model, apiKey, baseURL, ...readRetryTuning(env) };
  return lazyProvider("openai", model, async () =>
    (await import("./openai-provider.js")).createOpenAIProvider(options),
  );
}

/** Picks the model behind the loop: a script, OpenAI Chat Completions, or Anthropic Messages. */
export function createProvider(options: CreateProviderOptions): ModelProvider {
  const { env } = options;
  const provider = options.provider ?? readProviderName(env);
  const fallback = provider === "openai" ? DEFAULT_OPENAI_MODEL : DEFAULT_MODEL;
  const model = options.model ?? readVariable(env, "MODEL_ID") ?? fallback;
  if (model.startsWith("script:")) {
    return createScriptProvider(path.resolve(options.cwd ?? process.cwd(), model.slice("script:".length)));
  }
  if (provider === "openai") return openAIFromEnv(model, env);
  const apiKey = readVariable(env, "ANTHROPIC_API_KEY");
  const authToken = readVariable(env, "ANTHROPIC_AUTH_TOKEN");
  if (apiKey === undefined && authToken === undefined) throw new MissingApiKeyError("anthropic");
  const anthropic = {
    model,
    apiKey,
    authToken,
    baseURL: readBaseUrl(env, "ANTHROPIC_BASE_URL"),
    ...readRetryTuning(env),
  };
  return lazyProvider("anthropic", model, async () =>
    (await import("./anthropic-provider.js")).createAnthropicProvider(anthropic),
  );
}
