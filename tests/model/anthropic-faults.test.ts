import { afterEach, describe, expect, it } from "vitest";
import {
  createAnthropicProvider,
  type AnthropicProviderOptions,
} from "../../src/model/anthropic-provider.js";
import { ModelError, type ModelRequest } from "../../src/model/types.js";
import {
  startFakeAnthropic,
  textReply,
  type FakeAnthropic,
  type FakeReply,
} from "../helpers/fake-anthropic-server.js";

const SECRET = "sk-test-SECRET";
const request: ModelRequest = {
  system: "sys",
  messages: [{ role: "user", content: [{ type: "text", text: "hello" }] }],
  tools: [],
  maxTokens: 100,
};

let server: FakeAnthropic | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A server that answers the given faults in order, then "recovered" for every later request. */
async function serverFailingWith(...faults: FakeReply[]): Promise<FakeAnthropic> {
  server = await startFakeAnthropic((_request, index) => faults[index] ?? textReply("recovered"));
  return server;
}

function provider(fake: FakeAnthropic, options: Partial<AnthropicProviderOptions> = {}) {
  return createAnthropicProvider({
    model: "m",
    apiKey: SECRET,
    baseURL: fake.url,
    retryBaseMs: 5,
    ...options,
  });
}

async function failure(promise: Promise<unknown>): Promise<ModelError> {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ModelError);
  return error as ModelError;
}

function answeredText(turn: { content: { type: string; text?: string }[] }): string | undefined {
  return turn.content[0]?.text;
}

describe("anthropic provider retries faults from the API", () => {
  it("retries a 429 and waits at least the retry-after of 1 s before the next attempt", async () => {
    const fake = await serverFailingWith({ kind: "error", status: 429, headers: { "retry-after": "1" } });
    const retries: { attempt: number; delayMs: number }[] = [];

    const turn = await provider(fake).createTurn(request, { onRetry: (info) => retries.push(info) });

    expect(answeredText(turn)).toBe("recovered");
    expect(retries).toEqual([{ attempt: 1, delayMs: 1000, error: expect.stringContaining("429") }]);
    const [first, second] = fake.requests;
    expect(second!.receivedAt - first!.receivedAt).toBeGreaterThanOrEqual(900);
  });

  it.each<[string, FakeReply]>([
    ["a 500 api_error", { kind: "error", status: 500 }],
    ["a 529 overloaded_error", { kind: "error", status: 529 }],
    ["an overloaded_error event inside a 200 stream", { kind: "sse-error", type: "overloaded_error" }],
    ["a connection reset in the middle of the stream", { kind: "reset" }],
    ["malformed SSE data", { kind: "malformed" }],
  ])("retries %s twice and then succeeds", async (_name, fault) => {
    const fake = await serverFailingWith(fault, fault);
    const retries: number[] = [];

    const turn = await provider(fake).createTurn(request, { onRetry: (info) => retries.push(info.attempt) });

    expect(answeredText(turn)).toBe("recovered");
    expect(retries).toEqual([1, 2]);
    expect(fake.requests).toHaveLength(3);
  });

  it("after a reset mid-stream the partial text was already streamed and the retry streams the full answer", async () => {
    const fake = await serverFailingWith({ kind: "reset" });
    const seen: string[] = [];

    const turn = await provider(fake).createTurn(request, {
      onTextDelta: (text) => seen.push(text),
      onRetry: (info) => seen.push(`<retry ${info.attempt}: ${info.error}>`),
    });

    expect(seen.join("")).toMatch(/^Partial<retry 1: connection lost mid-stream: [^>]*>recovered$/);
    expect(answeredText(turn)).toBe("recovered");
  });

  it("gives up after maxRetries + 1 attempts with a one-line ModelError that never shows the key", async () => {
    server = await startFakeAnthropic(() => ({
      kind: "error",
      status: 529,
      message: `Overloaded ${SECRET}`,
    }));

    const error = await failure(provider(server, { maxRetries: 4 }).createTurn(request));

    expect(server.requests).toHaveLength(5);
    expect(error).toMatchObject({ kind: "overloaded", status: 529, attempts: 5 });
    expect(error.message).toMatch(/^Anthropic API: 529 overloaded_error after 5 attempts: Overloaded/);
    expect(error.message).not.toContain("\n");
    expect(error.message).not.toContain(SECRET);
  });

  it("reports kind network after resets on every attempt", async () => {
    server = await startFakeAnthropic(() => ({ kind: "reset" }));

    const error = await failure(provider(server, { maxRetries: 2 }).createTurn(request));

    expect(error).toMatchObject({ kind: "network", attempts: 3 });
    expect(error.message).not.toContain(SECRET);
  });

  it("fails a 401 at once with kind auth and a message naming the key variables", async () => {
    const fake = await serverFailingWith({ kind: "error", status: 401, message: "invalid x-api-key" });
    const retries: unknown[] = [];

    const error = await failure(
      provider(fake).createTurn(request, { onRetry: (info) => retries.push(info) }),
    );

    expect(fake.requests).toHaveLength(1);
    expect(retries).toEqual([]);
    expect(error).toMatchObject({ kind: "auth", status: 401, attempts: 1 });
    expect(error.message).toContain("ANTHROPIC_API_KEY");
    expect(error.message).toContain("ANTHROPIC_AUTH_TOKEN");
    expect(error.message).not.toContain(SECRET);
  });

  it("fails a 400 at once with kind bad_request", async () => {
    const fake = await serverFailingWith({ kind: "error", status: 400, message: "messages: field required" });

    const error = await failure(provider(fake).createTurn(request));

    expect(fake.requests).toHaveLength(1);
    expect(error).toMatchObject({ kind: "bad_request", status: 400, attempts: 1 });
    expect(error.message).toContain("messages: field required");
  });

  it("ends a server that never answers with a network ModelError instead of hanging", async () => {
    server = await startFakeAnthropic(() => ({ kind: "hang" }));

    const started = Date.now();
    const error = await failure(
      provider(server, { requestTimeoutMs: 200, maxRetries: 1 }).createTurn(request),
    );

    expect(error).toMatchObject({ kind: "network", attempts: 2 });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("ends a stream that stalls after its first events with a network ModelError", async () => {
    server = await startFakeAnthropic(() => ({ kind: "stall" }));

    const error = await failure(
      provider(server, { requestTimeoutMs: 200, maxRetries: 0 }).createTurn(request),
    );

    expect(error).toMatchObject({ kind: "network", attempts: 1 });
  });

  it("returns promptly with kind aborted when aborted during the backoff sleep", async () => {
    server = await startFakeAnthropic(() => ({
      kind: "error",
      status: 429,
      headers: { "retry-after": "20" },
    }));
    const controller = new AbortController();
    const fake = provider(server, { retryMaxMs: 60_000 });

    const started = Date.now();
    const pending = fake.createTurn(
      { ...request, signal: controller.signal },
      { onRetry: () => setTimeout(() => controller.abort(), 50) },
    );
    const error = await failure(pending);

    expect(error).toMatchObject({ kind: "aborted", attempts: 1 });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("returns promptly with kind aborted when aborted in the middle of a stream", async () => {
    server = await startFakeAnthropic(() => ({ kind: "stall" }));
    const controller = new AbortController();

    const pending = provider(server).createTurn(
      { ...request, signal: controller.signal },
      { onTextDelta: () => controller.abort() },
    );
    const error = await failure(pending);

    expect(error).toMatchObject({ kind: "aborted" });
    expect(server.requests).toHaveLength(1);
  });

  it("caps a retry-after longer than retryMaxMs at retryMaxMs", async () => {
    const fake = await serverFailingWith({ kind: "error", status: 503, headers: { "retry-after": "60" } });
    const delays: number[] = [];

    await provider(fake, { retryMaxMs: 50 }).createTurn(request, {
      onRetry: (info) => delays.push(info.delayMs),
    });

    expect(delays).toEqual([50]);
  });
});
