import Anthropic from "@anthropic-ai/sdk";
import { readFileSync } from "node:fs";
import { globalAgent } from "node:https";
import { connect, type AddressInfo } from "node:net";
import { join } from "node:path";
import { createServer, type Server } from "node:tls";
import { afterEach, describe, expect, it } from "vitest";
import { createHttpFetch, type FallbackFetch } from "../../src/model/http-fetch.js";
import { startFakeAnthropic, textReply, type FakeAnthropic } from "../helpers/fake-anthropic-server.js";

// A self-signed certificate for 127.0.0.1 (good until 2126), made for this test only.
const fixtures = join(import.meta.dirname, "..", "fixtures");
const cert = readFileSync(join(fixtures, "tls-127.0.0.1.crt"));
const key = readFileSync(join(fixtures, "tls-127.0.0.1.key"));

let fake: FakeAnthropic | undefined;
let tls: Server | undefined;
afterEach(async () => {
  globalAgent.options.ca = undefined;
  await fake?.close();
  await new Promise((resolve) => (tls ? tls.close(resolve) : resolve(undefined)));
});

/** The fake Messages API behind TLS: the agent worker's fetch meets https as it does at api.anthropic.com. */
async function httpsFake(): Promise<string> {
  fake = await startFakeAnthropic(() => textReply("over tls"));
  const port = Number(new URL(fake.url).port);
  tls = createServer({ key, cert }, (socket) => {
    const upstream = connect(port, "127.0.0.1");
    socket.pipe(upstream).pipe(socket);
    socket.on("error", () => upstream.destroy());
    upstream.on("error", () => socket.destroy());
  });
  await new Promise<void>((resolve) => tls!.listen(0, "127.0.0.1", resolve));
  return `https://127.0.0.1:${(tls.address() as AddressInfo).port}`;
}

const client = (baseURL: string) =>
  new Anthropic({
    apiKey: "sk-test",
    baseURL,
    maxRetries: 0,
    fetch: createHttpFetch(fetch as FallbackFetch) as typeof fetch,
  });

describe("the agent worker's fetch over node:http, against an https endpoint", () => {
  it("streams a reply from a server whose certificate is trusted", async () => {
    const baseURL = await httpsFake();
    globalAgent.options.ca = cert;
    const stream = client(baseURL).messages.stream({
      model: "claude-test",
      max_tokens: 100,
      messages: [{ role: "user", content: "hi" }],
    });
    const message = await stream.finalMessage();
    expect(message.content).toEqual([expect.objectContaining({ type: "text", text: "over tls" })]);
    expect(fake!.requests).toHaveLength(1);
  });

  it("refuses a certificate nothing trusts, with the TLS error as the cause, and sends nothing", async () => {
    const baseURL = await httpsFake();
    const request = client(baseURL).messages.create({
      model: "claude-test",
      max_tokens: 100,
      messages: [{ role: "user", content: "hi" }],
    });
    await expect(request).rejects.toThrow(Anthropic.APIConnectionError);
    const error = (await request.then(
      () => undefined,
      (e: unknown) => e,
    )) as Error;
    expect(String((error.cause as Error | undefined)?.cause ?? error.cause)).toMatch(
      /self.signed|certificate/i,
    );
    expect(fake!.requests).toHaveLength(0);
  });
});
