import { createHttpFetch, type FallbackFetch } from "../model/http-fetch.js";
import { LightHeaders } from "../model/light-headers.js";

/**
 * Gives an agent worker fetch, Headers and FormData that do not load undici, node's fetch stack: reading
 * any of node's globals for them loads all of it (bench agents: 4 MB of a waiting worker's RSS, and the
 * WebAssembly HTTP parser's code). Called before the model SDK is created, which reads `fetch` then.
 */
export function useLightHttp(): void {
  const nodeFetch = globalThis.fetch as unknown as FallbackFetch;
  const nodeFormData = lazyGlobal("FormData");
  define("fetch", createHttpFetch(nodeFetch));
  define("Headers", LightHeaders);
  define("FormData", formDataStandIn(nodeFormData));
}

function define(name: string, value: unknown): void {
  Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });
}

/** node's lazy global (a getter that loads undici the first time), read only when called. */
function lazyGlobal(name: string): () => new (...args: unknown[]) => object {
  const descriptor = Object.getOwnPropertyDescriptor(globalThis, name);
  return () => (descriptor?.get ? descriptor.get.call(globalThis) : descriptor?.value) as never;
}

/**
 * The SDKs only ask `body instanceof FormData` of a request body; that check must not load undici. Making
 * one (an upload, which a worker does not do) loads node's, and only node's made that way are instances.
 */
function formDataStandIn(load: () => new (...args: unknown[]) => object): unknown {
  let real: (new (...args: unknown[]) => object) | undefined;
  return class FormData {
    constructor(...args: unknown[]) {
      real ??= load();
      return new real(...args);
    }
    static [Symbol.hasInstance](value: unknown): boolean {
      return real !== undefined && value instanceof real;
    }
  };
}
