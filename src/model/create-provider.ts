import path from "node:path";
import { createAnthropicProvider } from "./anthropic-provider.js";
import { createScriptProvider } from "./script-provider.js";
import type { ModelProvider } from "./types.js";

export const DEFAULT_MODEL = "claude-sonnet-5-5";

export interface CreateProviderOptions {
  /** `--model`: a model id, or `script:FILE.json` to replay a scripted conversation. */
  model?: string;
  env: NodeJS.ProcessEnv;
  /** Where a relative script path is resolved; defaults to process.cwd(), where the user typed it. */
  cwd?: string;
}

/** No credential in the environment. The CLI prints the message alone (no stack) and exits 2. */
export class MissingApiKeyError extends Error {
  override name = "MissingApiKeyError";
  constructor() {
    super(
      "No API key: set ANTHROPIC_API_KEY (or ANTHROPIC_AUTH_TOKEN), or try the offline demo: npx lanes demo",
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
  if (!Number.isInteger(count) || count < 0)
    throw new Error(`${name} must be a whole number >= 0, got "${value}"`);
  return count;
}

/** Picks the model behind the loop. Another API (a future `--provider openai`) would branch here. */
export function createProvider(options: CreateProviderOptions): ModelProvider {
  const { env } = options;
  const model = options.model ?? readVariable(env, "MODEL_ID") ?? DEFAULT_MODEL;
  if (model.startsWith("script:")) {
    return createScriptProvider(path.resolve(options.cwd ?? process.cwd(), model.slice("script:".length)));
  }
  const apiKey = readVariable(env, "ANTHROPIC_API_KEY");
  const authToken = readVariable(env, "ANTHROPIC_AUTH_TOKEN");
  if (apiKey === undefined && authToken === undefined) throw new MissingApiKeyError();
  return createAnthropicProvider({
    model,
    apiKey,
    authToken,
    baseURL: readVariable(env, "ANTHROPIC_BASE_URL"),
    maxRetries: readCount(env, "LANES_MAX_RETRIES"),
    retryBaseMs: readCount(env, "LANES_RETRY_BASE_MS"),
    retryMaxMs: readCount(env, "LANES_RETRY_MAX_MS"),
    requestTimeoutMs: readCount(env, "LANES_REQUEST_TIMEOUT_MS"),
  });
}
