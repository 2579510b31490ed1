import { retryDelayMs } from "./backoff.js";
import { delay } from "../async/delay.js";
import type { FailureClass } from "./failure.js";
import { ModelError, type ModelCallEvents } from "./types.js";

/** The retry settings every provider takes (createProvider reads them from LANES_* variables). */
export interface RetryOptions {
  /** Retries after the first attempt (default 4, so 5 attempts). */
  maxRetries?: number | undefined;
  /** Backoff ceiling after the first failure, doubled after each further one (default 1000). */
  retryBaseMs?: number | undefined;
  /** Longest wait between attempts, even when the server asks for more (default 30000). */
  retryMaxMs?: number | undefined;
}

/** What the loop needs to know about the API behind it. */
export interface RetryLoopOptions extends RetryOptions {
  /** Starts every message: "Anthropic API", "OpenAI-compatible API at localhost:11434/v1". */
  source: string;
  /** Credentials replaced by "[redacted]" wherever a failure's text repeats them. */
  secrets: readonly string[];
  /** Where to look when the API refuses the credential: "check OPENAI_API_KEY". */
  authHint: string;
  /** The SDK-specific half: what one failed attempt means. */
  classify: (error: unknown) => FailureClass;
}

/**
 * Runs `runAttempt` until it succeeds, fails for good, or `signal` aborts; every failure ends as one
 * ModelError line. The SDKs' own retries are off so that each attempt shows in `onRetry` and can be aborted.
 */
export async function runWithRetries<T>(
  options: RetryLoopOptions,
  signal: AbortSignal | undefined,
  events: ModelCallEvents | undefined,
  runAttempt: () => Promise<T>,
): Promise<T> {
  const maxAttempts = Math.max(0, options.maxRetries ?? 4) + 1;
  const policy = { baseMs: options.retryBaseMs ?? 1000, maxMs: options.retryMaxMs ?? 30_000 };
  const redact = (text: string): string =>
    options.secrets.reduce((clean, secret) => clean.split(secret).join("[redacted]"), text);
  const fail = (failure: FailureClass, attempts: number): ModelError => {
    const after = attempts > 1 ? ` after ${attempts} attempts` : "";
    const hint = failure.kind === "auth" ? ` (${options.authHint})` : "";
    const line = `${options.source}: ${failure.label}${after}: ${failure.detail}${hint}`.replace(/\s+/g, " ");
    return new ModelError(redact(line), failure.kind, failure.status, attempts);
  };
  const aborted = (attempts: number): ModelError =>
    new ModelError(`${options.source}: request aborted`, "aborted", undefined, attempts);

  for (let attempt = 1; ; attempt++) {
    if (signal?.aborted) throw aborted(attempt - 1);
    try {
      return await runAttempt();
    } catch (error) {
      if (signal?.aborted) throw aborted(attempt);
      const failure = options.classify(error);
      if (!failure.retryable || attempt >= maxAttempts) throw fail(failure, attempt);
      const delayMs = retryDelayMs(attempt, policy, failure.headers);
      events?.onRetry?.({ attempt, delayMs, error: redact(`${failure.label}: ${failure.detail}`) });
      if (!(await delay(delayMs, signal))) throw aborted(attempt);
    }
  }
}
