import { afterAll, expect } from "vitest";
import { useLightHttp } from "../../src/cli/agent-worker-http.js";

// Every fault scenario of both providers again, as an agent worker meets them: over node:http, not undici.
useLightHttp();
const lightFetch = globalThis.fetch;
let calls = 0;
globalThis.fetch = ((...args: Parameters<typeof fetch>) => (calls++, lightFetch(...args))) as typeof fetch;
await import("./provider-faults.test.js");
afterAll(() => expect(calls).toBeGreaterThan(30));
