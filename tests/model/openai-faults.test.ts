import { afterEach, describe, expect, it } from "vitest";
import { createOpenAIProvider, type OpenAIProviderOptions } from "../../src/model/openai-provider.js";
import { ModelError, type ModelRequest } from "../../src/model/types.js";
import {
  startFakeOpenAI,
  textReply,
  type FakeOpenAI,
  type FakeReply,
} from "../helpers/fake-openai-server.js";

const SECRET = "sk-test-SECRET";
const request: ModelRequest = {
  system: "sys",
  messages: [{ role: "user", content: [{ type: "text", text: "hello" }] }],
  tools: [],
  maxTokens: 100,
};

let server: FakeOpenAI | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A server that answers the given faults in order, then "recovered" for every later request. */
async function serverFailingWith(...faults: FakeReply[]): Promise<FakeOpenAI> {
  server = await startFakeOpenAI((_request, index) => faults[index] ?? textReply("recovered"));
  return server;
}

function provider(fake: FakeOpenAI, options: Partial<OpenAIProviderOptions> = {}) {
  return createOpenAIProvider({
    model: "m",
    apiKey: SECRET,
    baseURL: fake.baseURL,
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

describe("openai provider retries faults from the server", () => {
  it("retries a 429 and waits the retry-after of 1 s before succeeding", async () => {
    const fake = await serverFailingWith({ kind: "error", status: 429, headers: { "retry-after": "1" } });
    const retries: { attempt: number; delayMs: number }[] = [];

    const turn = await provider(fake).createTurn(request, { onRetry: (info) => retries.push(info) });

    expect(answeredText(turn)).toBe("recovered");
    expect(retries).toEqual([{ attempt: 1, delayMs: 1000, error: expect.stringContaining("429") }]);
    const [first, second] = fake.requests;
    expect(second!.receivedAt - first!.receivedAt).toBeGreaterThanOrEqual(900);
  });

  it.each<[string, FakeReply]>([
    ["a 500 server_error", { kind: "error", status: 500 }],
    ["a 503", { kind: "error", status: 503 }],
    ["an error inside a 200 stream", { kind: "stream-error" }],
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

  it("gives up on a 500 after maxRetries + 1 attempts with kind server and a one-line message without the key", async () => {
    server = await startFakeOpenAI(() => ({ kind: "error", status: 500, message: `boom ${SECRET}` }));

    const error = await failure(provider(server, { maxRetries: 3 }).createTurn(request));

    expect(server.requests).toHaveLength(4);
    expect(error).toMatchObject({ kind: "server", status: 500, attempts: 4 });
    expect(error.message).toMatch(
      /^OpenAI-compatible API at 127\.0\.0\.1:\d+\/v1: 500 server_error after 4 attempts: boom/,
    );
    expect(error.message).not.toContain("\n");
    expect(error.message).not.toContain(SECRET);
  });

  it("fails a 401 at once with kind auth, naming OPENAI_API_KEY and never showing the key", async () => {
    const fake = await serverFailingWith({
      kind: "error",
      status: 401,
      message: `Incorrect API key provided: ${SECRET}`,
    });
    const retries: unknown[] = [];

    const error = await failure(
      provider(fake).createTurn(request, { onRetry: (info) => retries.push(info) }),
    );

    expect(fake.requests).toHaveLength(1);
    expect(retries).toEqual([]);
    expect(error).toMatchObject({ kind: "auth", status: 401, attempts: 1 });
    expect(error.message).toContain("invalid_api_key");
    expect(error.message).toContain("OPENAI_API_KEY");
    expect(error.message).not.toContain(SECRET);
  });

  it("fails a 404 for an unknown model at once with kind bad_request and the server's words", async () => {
    const fake = await serverFailingWith({ kind: "error", status: 404, message: "model 'm' not found" });

    const error = await failure(provider(fake).createTurn(request));

    expect(error).toMatchObject({ kind: "bad_request", status: 404, attempts: 1 });
    expect(error.message).toContain("model 'm' not found");
  });

  it("reports kind network when nothing listens at the base URL", async () => {
    const fake = await startFakeOpenAI(() => textReply("never"));
    await fake.close();

    const error = await failure(provider(fake, { maxRetries: 1 }).createTurn(request));

    expect(error).toMatchObject({ kind: "network", attempts: 2 });
    expect(error.message).toMatch(/connection failed/);
  });

  it("ends a stream that stalls after its first chunks with a network ModelError", async () => {
    server = await startFakeOpenAI(() => ({ kind: "stall" }));

    const error = await failure(
      provider(server, { requestTimeoutMs: 200, maxRetries: 0 }).createTurn(request),
    );

    expect(error).toMatchObject({ kind: "network", attempts: 1 });
    expect(error.message).toContain("no data from the server for 200 ms");
  });

  it("returns promptly with kind aborted when aborted in the middle of a stream", async () => {
    server = await startFakeOpenAI(() => ({ kind: "stall" }));
    const controller = new AbortController();

    const pending = provider(server).createTurn(
      { ...request, signal: controller.signal },
      { onTextDelta: () => controller.abort() },
    );
    const error = await failure(pending);

    expect(error).toMatchObject({ kind: "aborted" });
    expect(server.requests).toHaveLength(1);
  });

  it("returns promptly with kind aborted when aborted during the backoff sleep", async () => {
    server = await startFakeOpenAI(() => ({ kind: "error", status: 429, headers: { "retry-after": "20" } }));
    const controller = new AbortController();

    const started = Date.now();
    const pending = provider(server, { retryMaxMs: 60_000 }).createTurn(
      { ...request, signal: controller.signal },
      { onRetry: () => setTimeout(() => controller.abort(), 50) },
    );
    const error = await failure(pending);

    expect(error).toMatchObject({ kind: "aborted", attempts: 1 });
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
