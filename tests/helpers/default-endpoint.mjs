/* global process, URL */
// Preloaded (NODE_OPTIONS=--import) into a lanes under test: requests to the default endpoints
// (api.anthropic.com, api.openai.com) go to LANES_TEST_DEFAULT_ENDPOINT instead, a fake on 127.0.0.1,
// so a test can see what lanes sends when no base URL is set, without leaving the machine.
const target = process.env.LANES_TEST_DEFAULT_ENDPOINT;
if (target) {
  const realFetch = globalThis.fetch;
  globalThis.fetch = (input, init) => {
    const url = typeof input === "string" || input instanceof URL ? String(input) : input.url;
    const local = url.replace(/^https:\/\/api\.(anthropic|openai)\.com/, target);
    return realFetch(local === url ? input : local, init);
  };
}
