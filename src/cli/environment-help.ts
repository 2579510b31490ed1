/** The variables lanes reads, appended to `lanes --help` (the README's Environment table lists the same). */
export const ENVIRONMENT_HELP = `
Environment:
  ANTHROPIC_API_KEY, ANTHROPIC_AUTH_TOKEN  credentials (a .env in the workspace is loaded; the shell wins)
  ANTHROPIC_BASE_URL                       another endpoint (an http(s) URL: a proxy, a gateway)
  LANES_PROVIDER                           anthropic (default) or openai; --provider overrides
  OPENAI_API_KEY, OPENAI_BASE_URL          for --provider openai (a local server may need only the URL)
  MODEL_ID                                 the model (--model overrides)
  LANES_MAX_RETRIES, LANES_RETRY_BASE_MS,  retry tuning, whole numbers
  LANES_RETRY_MAX_MS, LANES_REQUEST_TIMEOUT_MS    (defaults 4, 1000, 30000, 600000)
  NO_COLOR                                 no colours`;
