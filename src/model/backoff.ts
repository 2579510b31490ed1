export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
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
