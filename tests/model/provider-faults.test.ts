import { afterEach, describe, expect, it } from "vitest";
import { createAnthropicProvider } from "../../src/model/anthropic-provider.js";
import { createOpenAIProvider } from "../../src/model/openai-provider.js";
import type { RetryOptions } from "../../src/model/retry-loop.js";
import { ModelError, type ModelProvider, type ModelRequest } from "../../src/model/types.js";
import type { CapturedRequest, FakeErrorReply, FakeFault } from "../helpers/fake-api-server.js";
import * as fakeAnthropic from "../helpers/fake-anthropic-server.js";
import * as fakeOpenAI from "../helpers/fake-openai-server.js";

const SECRET = "sk-test-SECRET";
const request: ModelRequest = {
  system: "sys",
  messages: [{ role: "user", content: [{ type: "text", text: "hello" }] }],
  tools: [],
  maxTokens: 100,
};

/** A fault either fake plays; "error-in-stream" is an error event inside a 200 stream, in the API's format. */
type Fault = FakeFault | { kind: "error-in-stream" };

type TestOptions = RetryOptions & { requestTimeoutMs?: number };

interface Served {
  requests: CapturedRequest[];
  /** A provider for this server with the test key and 5 ms backoff, `options` on top. */
  provider(options?: TestOptions): ModelProvider;
  close(): Promise<void>;
}

/** One provider and its fake, plus what differs between the APIs when they fail. */
interface ProviderUnderTest {
  name: string;
  /** A server answering `script(index)`, or "recovered" where that is undefined. */
  serve(script: (index: number) => Fault | undefined): Promise<Served>;
  /** A fault that fails every attempt and what the final ModelError says about it. */
  persistent: {
    fault: FakeErrorReply;
    maxRetries: number;
    error: Pick<ModelError, "kind" | "status" | "attempts">;
    message: RegExp;
  };
  /** What a refused credential's message must name. */
  authWords: string[];
}

const commonOptions = { model: "m", apiKey: SECRET, retryBaseMs: 5 };

const anthropic: ProviderUnderTest = {
  name: "anthropic",
  async serve(script) {
    const fake = await fakeAnthropic.startFakeAnthropic((_request, index) => {
      const fault = script(index);
      if (fault === undefined) return fakeAnthropic.textReply("recovered");
      return fault.kind === "error-in-stream" ? { kind: "sse-error", type: "overloaded_error" } : fault;
    });
    const provider = (options: TestOptions = {}): ModelProvider =>
      createAnthropicProvider({ ...commonOptions, baseURL: fake.url, ...options });
    return { requests: fake.requests, provider, close: fake.close };
  },
  persistent: {
    fault: { kind: "error", status: 529, message: `Overloaded ${SECRET}` },
    maxRetries: 4,
    error: { kind: "overloaded", status: 529, attempts: 5 },
    message: /^Anthropic API: 529 overloaded_error after 5 attempts: Overloaded/,
  },
  authWords: ["401 authentication_error", "ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN"],
};

const openAI: ProviderUnderTest = {
  name: "openai",
  async serve(script) {
    const fake = await fakeOpenAI.startFakeOpenAI((_request, index) => {
      const fault = script(index);
      if (fault === undefined) return fakeOpenAI.textReply("recovered");
      return fault.kind === "error-in-stream" ? { kind: "stream-error" } : fault;
    });
    const provider = (options: TestOptions = {}): ModelProvider =>
      createOpenAIProvider({ ...commonOptions, baseURL: fake.baseURL, ...options });
    return { requests: fake.requests, provider, close: fake.close };
  },
  persistent: {
    fault: { kind: "error", status: 500, message: `boom ${SECRET}` },
    maxRetries: 3,
    error: { kind: "server", status: 500, attempts: 4 },
    message: /^OpenAI-compatible API at 127\.0\.0\.1:\d+\/v1: 500 server_error after 4 attempts: boom/,
  },
  authWords: ["401 invalid_api_key", "OPENAI_API_KEY"],
};

const servers: Served[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((served) => served.close()));
});

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

for (const api of [anthropic, openAI]) {
  describe(`${api.name} provider under faults from the API`, () => {
    /** A server that answers the given faults in order, then "recovered" for every later request. */
    async function failingWith(...faults: Fault[]): Promise<Served> {
      const served = await api.serve((index) => faults[index]);
      servers.push(served);
      return served;
    }

    /** A server that answers every request with `fault`. */
    async function alwaysFailing(fault: Fault): Promise<Served> {
      const served = await api.serve(() => fault);
      servers.push(served);
      return served;
    }

    it("retries a 429 and waits at least the retry-after of 1 s before the next attempt", async () => {
      const fake = await failingWith({ kind: "error", status: 429, headers: { "retry-after": "1" } });
      const retries: { attempt: number; delayMs: number }[] = [];

      const turn = await fake.provider().createTurn(request, { onRetry: (info) => retries.push(info) });

      expect(answeredText(turn)).toBe("recovered");
      expect(retries).toEqual([{ attempt: 1, delayMs: 1000, error: expect.stringContaining("429") }]);
      const [first, second] = fake.requests;
      expect(second!.receivedAt - first!.receivedAt).toBeGreaterThanOrEqual(900);
    });

    it.each<[string, Fault]>([
      ["a 500", { kind: "error", status: 500 }],
      ["a 503", { kind: "error", status: 503 }],
      ["a 529", { kind: "error", status: 529 }],
      ["an error event inside a 200 stream", { kind: "error-in-stream" }],
      ["a connection reset in the middle of the stream", { kind: "reset" }],
      ["malformed SSE data", { kind: "malformed" }],
    ])("retries %s twice and then succeeds", async (_name, fault) => {
      const fake = await failingWith(fault, fault);
      const retries: number[] = [];

      const turn = await fake
        .provider()
        .createTurn(request, { onRetry: (info) => retries.push(info.attempt) });

      expect(answeredText(turn)).toBe("recovered");
      expect(retries).toEqual([1, 2]);
      expect(fake.requests).toHaveLength(3);
    });

    it("after a reset mid-stream the partial text was already streamed and the retry streams the full answer", async () => {
      const fake = await failingWith({ kind: "reset" });
      const seen: string[] = [];

      const turn = await fake.provider().createTurn(request, {
        onTextDelta: (text) => seen.push(text),
        onRetry: (info) => seen.push(`<retry ${info.attempt}: ${info.error}>`),
      });

      expect(seen.join("")).toMatch(/^Partial<retry 1: connection lost mid-stream: [^>]*>recovered$/);
      expect(answeredText(turn)).toBe("recovered");
    });

    it("gives up after maxRetries + 1 attempts with a one-line ModelError that never shows the key", async () => {
      const { fault, maxRetries, error: expected, message } = api.persistent;
      const fake = await alwaysFailing(fault);

      const error = await failure(fake.provider({ maxRetries }).createTurn(request));

      expect(fake.requests).toHaveLength(expected.attempts);
      expect(error).toMatchObject(expected);
      expect(error.message).toMatch(message);
      expect(error.message).not.toContain("\n");
      expect(error.message).not.toContain(SECRET);
    });

    it("reports kind network after resets on every attempt", async () => {
      const fake = await alwaysFailing({ kind: "reset" });

      const error = await failure(fake.provider({ maxRetries: 2 }).createTurn(request));

      expect(error).toMatchObject({ kind: "network", attempts: 3 });
      expect(error.message).not.toContain(SECRET);
    });

    it("fails a 401 at once with kind auth, naming the key variables and never showing the key", async () => {
      const fake = await failingWith({
        kind: "error",
        status: 401,
        message: `Incorrect API key provided: ${SECRET}`,
      });
      const retries: unknown[] = [];

      const error = await failure(
        fake.provider().createTurn(request, { onRetry: (info) => retries.push(info) }),
      );

      expect(fake.requests).toHaveLength(1);
      expect(retries).toEqual([]);
      expect(error).toMatchObject({ kind: "auth", status: 401, attempts: 1 });
      for (const word of api.authWords) expect(error.message).toContain(word);
      expect(error.message).not.toContain(SECRET);
    });

    it.each([
      [400, "messages: field required"],
      [404, "model 'm' not found"],
    ])("fails a %i at once with kind bad_request and the server's words", async (status, words) => {
      const fake = await failingWith({ kind: "error", status, message: words });

      const error = await failure(fake.provider().createTurn(request));

      expect(fake.requests).toHaveLength(1);
      expect(error).toMatchObject({ kind: "bad_request", status, attempts: 1 });
      expect(error.message).toContain(words);
    });

    it("reports kind network when nothing listens at the base URL", async () => {
      const fake = await api.serve(() => undefined);
      await fake.close();

      const error = await failure(fake.provider({ maxRetries: 1 }).createTurn(request));

      expect(error).toMatchObject({ kind: "network", attempts: 2 });
      expect(error.message).toMatch(/connection failed/);
    });

    it("ends a server that never answers with a network ModelError instead of hanging", async () => {
      const fake = await alwaysFailing({ kind: "hang" });

      const started = Date.now();
      const error = await failure(
        fake.provider({ requestTimeoutMs: 200, maxRetries: 1 }).createTurn(request),
      );

      expect(error).toMatchObject({ kind: "network", attempts: 2 });
      expect(Date.now() - started).toBeLessThan(5000);
    });

    it("ends a stream that stalls after its first events with a network ModelError", async () => {
      const fake = await alwaysFailing({ kind: "stall" });

      const error = await failure(
        fake.provider({ requestTimeoutMs: 200, maxRetries: 0 }).createTurn(request),
      );

      expect(error).toMatchObject({ kind: "network", attempts: 1 });
      expect(error.message).toContain("no data from the server for 200 ms");
    });

    it("returns promptly with kind aborted when aborted during the backoff sleep", async () => {
      const fake = await alwaysFailing({ kind: "error", status: 429, headers: { "retry-after": "20" } });
      const controller = new AbortController();

      const started = Date.now();
      const pending = fake
        .provider({ retryMaxMs: 60_000 })
        .createTurn(
          { ...request, signal: controller.signal },
          { onRetry: () => setTimeout(() => controller.abort(), 50) },
        );
      const error = await failure(pending);

      expect(error).toMatchObject({ kind: "aborted", attempts: 1 });
      expect(Date.now() - started).toBeLessThan(2000);
    });

    it("returns promptly with kind aborted when aborted in the middle of a stream", async () => {
      const fake = await alwaysFailing({ kind: "stall" });
      const controller = new AbortController();

      const pending = fake
        .provider()
        .createTurn({ ...request, signal: controller.signal }, { onTextDelta: () => controller.abort() });
      const error = await failure(pending);

      expect(error).toMatchObject({ kind: "aborted" });
      expect(fake.requests).toHaveLength(1);
    });

    it("caps a retry-after longer than retryMaxMs at retryMaxMs", async () => {
      const fake = await failingWith({ kind: "error", status: 503, headers: { "retry-after": "60" } });
      const delays: number[] = [];

      await fake.provider({ retryMaxMs: 50 }).createTurn(request, {
        onRetry: (info) => delays.push(info.delayMs),
      });

      expect(delays).toEqual([50]);
    });
  });
}
