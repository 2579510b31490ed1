import {
  AnthropicError,
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
} from "@anthropic-ai/sdk";
import { describe, expect, it } from "vitest";
import { classifyAnthropicError as classifyError } from "../../src/model/anthropic-errors.js";
import { retryDelayMs, serverRetryDelayMs } from "../../src/model/backoff.js";
import { delay as sleep } from "../../src/async/delay.js";

const policy = { baseMs: 100, maxMs: 1000 };

function statusError(status: number, type: string, headers: Record<string, string> = {}): APIError {
  const body = { type: "error", error: { type, message: `server says ${type}` } };
  return APIError.generate(status, body, undefined, new Headers(headers));
}

describe("classifyError", () => {
  it.each([
    [429, "rate_limit_error", "rate_limit"],
    [500, "api_error", "server"],
    [502, "api_error", "server"],
    [503, "api_error", "server"],
    [504, "api_error", "server"],
    [529, "overloaded_error", "overloaded"],
  ])("retries HTTP %i as kind %s", (status, type, kind) => {
    expect(classifyError(statusError(status, type))).toMatchObject({ retryable: true, kind, status });
  });

  it.each([
    [400, "invalid_request_error", "bad_request"],
    [401, "authentication_error", "auth"],
    [403, "permission_error", "auth"],
    [404, "not_found_error", "bad_request"],
  ])("does not retry HTTP %i (kind %s)", (status, type, kind) => {
    expect(classifyError(statusError(status, type))).toMatchObject({ retryable: false, kind, status });
  });

  it("labels a status error with status and type and keeps the server's message as detail", () => {
    expect(classifyError(statusError(529, "overloaded_error"))).toMatchObject({
      label: "529 overloaded_error",
      detail: "server says overloaded_error",
    });
  });

  it("lets x-should-retry: false stop a retry of a 500", () => {
    const error = statusError(500, "api_error", { "x-should-retry": "false" });
    expect(classifyError(error).retryable).toBe(false);
  });

  it("retries in-stream overloaded_error and api_error events, which carry no status", () => {
    const overloaded = new APIError(undefined, { error: { type: "overloaded_error" } }, "x", undefined);
    const apiError = new APIError(undefined, { error: { type: "api_error" } }, "x", undefined);
    expect(classifyError(overloaded)).toMatchObject({
      retryable: true,
      kind: "overloaded",
      status: undefined,
    });
    expect(classifyError(apiError)).toMatchObject({ retryable: true, kind: "server" });
  });

  it("retries connection errors and timeouts as kind network", () => {
    const refused = new APIConnectionError({ cause: new Error("connect ECONNREFUSED 127.0.0.1:1") });
    expect(classifyError(refused)).toMatchObject({ retryable: true, kind: "network" });
    expect(classifyError(new APIConnectionTimeoutError())).toMatchObject({
      retryable: true,
      kind: "network",
    });
  });

  it("retries a socket reset found in the cause chain of a wrapped stream error", () => {
    const reset = Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" });
    const wrapped = new AnthropicError("terminated", {
      cause: new TypeError("terminated", { cause: reset }),
    });
    expect(classifyError(wrapped)).toMatchObject({
      retryable: true,
      kind: "network",
      detail: "read ECONNRESET",
    });
  });

  it("retries a JSON parse failure of the stream as malformed stream data", () => {
    const wrapped = new AnthropicError("bad json", { cause: new SyntaxError("Unexpected token") });
    expect(classifyError(wrapped)).toMatchObject({ retryable: true, label: "malformed stream data" });
  });

  it("does not retry a user abort or an unknown programming error", () => {
    expect(classifyError(new APIUserAbortError())).toMatchObject({ retryable: false, kind: "aborted" });
    expect(classifyError(new RangeError("bug"))).toMatchObject({ retryable: false });
  });
});

describe("retryDelayMs", () => {
  it("grows exponentially from baseMs with full jitter between 0 and the ceiling", () => {
    expect(retryDelayMs(1, policy, undefined, () => 1)).toBe(100);
    expect(retryDelayMs(3, policy, undefined, () => 1)).toBe(400);
    expect(retryDelayMs(3, policy, undefined, () => 0.5)).toBe(200);
    expect(retryDelayMs(3, policy, undefined, () => 0)).toBe(0);
  });

  it("never exceeds maxMs however many attempts failed", () => {
    expect(retryDelayMs(30, policy, undefined, () => 1)).toBe(1000);
  });

  it("honours retry-after seconds, retry-after-ms and an HTTP date, capped at maxMs", () => {
    const now = Date.parse("2030-01-01T00:00:00Z");
    expect(retryDelayMs(1, policy, new Headers({ "retry-after": "0.5" }), () => 0)).toBe(500);
    expect(retryDelayMs(1, policy, new Headers({ "retry-after-ms": "250" }), () => 0)).toBe(250);
    expect(retryDelayMs(1, policy, new Headers({ "retry-after": "60" }), () => 0)).toBe(1000);
    const date = new Headers({ "retry-after": "Tue, 01 Jan 2030 00:00:00 GMT" });
    expect(serverRetryDelayMs(date, now - 700)).toBe(700);
  });

  it("ignores an unparsable retry-after and falls back to backoff", () => {
    expect(serverRetryDelayMs(new Headers({ "retry-after": "soon" }))).toBeUndefined();
    expect(retryDelayMs(1, policy, new Headers({ "retry-after": "soon" }), () => 1)).toBe(100);
  });
});

describe("sleep", () => {
  it("resolves true after the delay when not aborted", async () => {
    const started = Date.now();
    expect(await sleep(30)).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
  });

  it("resolves false promptly when the signal aborts during the wait", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    const started = Date.now();
    expect(await sleep(10_000, controller.signal)).toBe(false);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it("resolves false at once for an already aborted signal", async () => {
    expect(await sleep(10_000, AbortSignal.abort())).toBe(false);
  });
});
