/** The variables lanes reads, appended to `lanes --help` (the README's Environment table lists the same). */
export const ENVIRONMENT_HELP = `
Environment:
  ANTHROPIC_API_KEY, ANTHROPIC_AUTH_TOKEN  credentials (the shell's; a workspace .env's once trusted: lanes trust)
  ANTHROPIC_BASE_URL                       another endpoint (an http(s) URL: a proxy, a gateway)
  LANES_PROVIDER                           anthropic (default) or openai; --provider overrides
  OPENAI_API_KEY, OPENAI_BASE_URL          for --provider openai (a local server may need only the URL)
  MODEL_ID                                 the model (--model overrides)
  LANES_MAX_RETRIES                        retries of 429 / 5xx / overloaded / dropped streams (default 4)
  LANES_RETRY_BASE_MS, LANES_RETRY_MAX_MS  backoff between retries (defaults 1000, 30000)
  LANES_REQUEST_TIMEOUT_MS                 one model request's timeout (default 600000)
  LANES_CODE_CACHE                         0: agent workers compile their code afresh, without a cache
  LANES_SANDBOX_HELD                       0: a bubblewrap per sandboxed command, no held sandboxes
  NO_COLOR                                 no colours`;
