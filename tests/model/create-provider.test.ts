import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  createProvider,
  DEFAULT_MODEL,
  DEFAULT_OPENAI_MODEL,
  MissingApiKeyError,
} from "../../src/model/create-provider.js";
import { PLACEHOLDER_API_KEY } from "../../src/model/openai-provider.js";
import type { ModelRequest } from "../../src/model/types.js";
import { startFakeAnthropic, textReply, type FakeAnthropic } from "../helpers/fake-anthropic-server.js";
import { startFakeOpenAI, textReply as openAIText, type FakeOpenAI } from "../helpers/fake-openai-server.js";

const request: ModelRequest = {
  system: "sys",
  messages: [{ role: "user", content: [{ type: "text", text: "hi" }] }],
  tools: [],
  maxTokens: 10,
};

let server: FakeAnthropic | FakeOpenAI | undefined;
let dir: string | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe("createProvider", () => {
  it("throws MissingApiKeyError with one line naming both variables and the demo when no key is set", () => {
    const create = () => createProvider({ env: { ANTHROPIC_API_KEY: "  ", PATH: "/bin" } });

    expect(create).toThrow(MissingApiKeyError);
    expect(create).toThrow(
      "No API key: set ANTHROPIC_API_KEY (or ANTHROPIC_AUTH_TOKEN), or try the offline demo: lanes demo",
    );
  });

  it("uses MODEL_ID, lets the model option override it, and defaults to claude-sonnet-5-5", () => {
    const env = { ANTHROPIC_API_KEY: "sk-test" };
    expect(createProvider({ env }).model).toBe(DEFAULT_MODEL);
    expect(DEFAULT_MODEL).toBe("claude-sonnet-5-5");
    expect(createProvider({ env: { ...env, MODEL_ID: "claude-x" } }).model).toBe("claude-x");
    expect(createProvider({ env: { ...env, MODEL_ID: "claude-x" }, model: "claude-y" }).model).toBe(
      "claude-y",
    );
  });

  it("builds a script provider from script:FILE relative to the cwd, needing no key", async () => {
    dir = mkdtempSync(path.join(tmpdir(), "lanes-create-"));
    writeFileSync(path.join(dir, "demo.json"), JSON.stringify({ turns: [{ text: "scripted" }] }));

    const provider = createProvider({ model: "script:demo.json", env: {}, cwd: dir });

    expect(provider.name).toBe("script");
    expect((await provider.createTurn(request)).content).toEqual([{ type: "text", text: "scripted" }]);
  });

  it("talks to ANTHROPIC_BASE_URL with ANTHROPIC_AUTH_TOKEN and the env retry tuning", async () => {
    server = await startFakeAnthropic((_request, index) =>
      index < 2 ? { kind: "error", status: 500 } : textReply("third time"),
    );
    const env = {
      ANTHROPIC_AUTH_TOKEN: "tok-env",
      MODEL_ID: "claude-test",
      ANTHROPIC_BASE_URL: server.url,
      LANES_MAX_RETRIES: "2",
      LANES_RETRY_BASE_MS: "5",
    };

    const turn = await createProvider({ env }).createTurn(request);

    expect(turn.content).toEqual([{ type: "text", text: "third time" }]);
    expect(server.requests).toHaveLength(3);
    expect(server.requests[0]?.headers["authorization"]).toBe("Bearer tok-env");
  });

  it("honours LANES_MAX_RETRIES=0 by making a single attempt", async () => {
    server = await startFakeAnthropic(() => ({ kind: "error", status: 529 }));
    const env = {
      ANTHROPIC_API_KEY: "sk-test",
      ANTHROPIC_BASE_URL: server.url,
      MODEL_ID: "claude-test",
      LANES_MAX_RETRIES: "0",
    };

    await expect(createProvider({ env }).createTurn(request)).rejects.toMatchObject({ attempts: 1 });
    expect(server.requests).toHaveLength(1);
  });

  it("honours LANES_REQUEST_TIMEOUT_MS so a silent server fails fast", async () => {
    server = await startFakeAnthropic(() => ({ kind: "hang" }));
    const env = {
      ANTHROPIC_API_KEY: "sk-test",
      ANTHROPIC_BASE_URL: server.url,
      MODEL_ID: "claude-test",
      LANES_MAX_RETRIES: "0",
      LANES_REQUEST_TIMEOUT_MS: "100",
    };

    await expect(createProvider({ env }).createTurn(request)).rejects.toMatchObject({ kind: "network" });
  });

  it("rejects a retry setting that is not a whole number, naming the variable", () => {
    const env = { ANTHROPIC_API_KEY: "sk-test", LANES_MAX_RETRIES: "lots" };
    expect(() => createProvider({ env })).toThrow(/LANES_MAX_RETRIES.*"lots"/);
  });
});

describe("createProvider with --provider openai", () => {
  it("picks openai from the option, with MODEL_ID or the default gpt model", () => {
    const env = { OPENAI_API_KEY: "sk-test" };
    const provider = createProvider({ provider: "openai", env });

    expect(provider.name).toBe("openai");
    expect(provider.model).toBe(DEFAULT_OPENAI_MODEL);
    expect(createProvider({ provider: "openai", env: { ...env, MODEL_ID: "gpt-x" } }).model).toBe("gpt-x");
    expect(createProvider({ provider: "openai", env, model: "gpt-y" }).model).toBe("gpt-y");
  });

  it("picks openai from LANES_PROVIDER and talks to OPENAI_BASE_URL with a placeholder key when none is set", async () => {
    const fake = await startFakeOpenAI(() => openAIText("local answer"));
    server = fake;
    const env = { LANES_PROVIDER: "openai", OPENAI_BASE_URL: fake.baseURL, MODEL_ID: "local-model" };

    const provider = createProvider({ env });
    const turn = await provider.createTurn(request);

    expect(provider.name).toBe("openai");
    expect(turn.content).toEqual([{ type: "text", text: "local answer" }]);
    expect(fake.requests[0]?.body.model).toBe("local-model");
    expect(fake.requests[0]?.headers["authorization"]).toBe(`Bearer ${PLACEHOLDER_API_KEY}`);
  });

  it("lets the option win over LANES_PROVIDER", () => {
    const env = { LANES_PROVIDER: "openai", ANTHROPIC_API_KEY: "sk-ant", OPENAI_API_KEY: "sk-oai" };
    expect(createProvider({ provider: "anthropic", env }).name).toBe("anthropic");
    expect(createProvider({ env }).name).toBe("openai");
  });

  it("throws MissingApiKeyError naming OPENAI_API_KEY and OPENAI_BASE_URL for the real endpoint with no key", () => {
    const create = () => createProvider({ provider: "openai", env: { ANTHROPIC_API_KEY: "sk-ant" } });

    expect(create).toThrow(MissingApiKeyError);
    expect(create).toThrow(/^No API key: set OPENAI_API_KEY, or OPENAI_BASE_URL .*lanes demo$/);
  });

  it("applies the env retry tuning to openai too", async () => {
    const fake = await startFakeOpenAI(() => ({ kind: "error", status: 503 }));
    server = fake;
    const env = { OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: fake.baseURL, LANES_MAX_RETRIES: "0" };

    await expect(createProvider({ provider: "openai", env }).createTurn(request)).rejects.toMatchObject({
      kind: "server",
      attempts: 1,
    });
    expect(fake.requests).toHaveLength(1);
  });

  it("rejects an unknown LANES_PROVIDER, naming the variable and the choices", () => {
    expect(() => createProvider({ env: { LANES_PROVIDER: "gemini" } })).toThrow(
      'LANES_PROVIDER must be "anthropic" or "openai", got "gemini"',
    );
  });
});
