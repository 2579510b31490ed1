import type { ProviderName } from "../model/create-provider.js";

/** What `lanes` / `lanes -p` print with no key: how to set one, and the two ways in that need none. */
export function missingKeyText(provider: ProviderName): string {
  const set =
    provider === "openai"
      ? "export OPENAI_API_KEY=sk-… (or OPENAI_BASE_URL=http://localhost:11434/v1 for a local server that needs no key)"
      : "export ANTHROPIC_API_KEY=sk-ant-… (or ANTHROPIC_AUTH_TOKEN; --provider openai uses OPENAI_API_KEY)";
  return [
    `lanes: no API key set. In your shell: ${set}; or put it in the workspace's .env and run lanes trust.`,
    "Without a key: lanes demo (an offline demo), or --model script:FILE.json (a scripted model: see the README).",
    "lanes doctor checks the whole setup.",
  ].join("\n");
}
