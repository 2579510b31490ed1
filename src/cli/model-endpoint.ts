/** The endpoint a provider's calls go to, and the variable that set it (undefined: the default). */
export function modelEndpoint(
  provider: string,
  env: NodeJS.ProcessEnv,
): { url: string; variable: string; fromEnv: boolean } {
  const variable = provider === "openai" ? "OPENAI_BASE_URL" : "ANTHROPIC_BASE_URL";
  const set = env[variable]?.trim();
  const fallback = provider === "openai" ? "https://api.openai.com/v1" : "https://api.anthropic.com";
  return { url: set || fallback, variable, fromEnv: Boolean(set) };
}
