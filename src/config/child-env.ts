/** Variables that hold credentials of the agent itself; commands the model runs do not need them. */
const SECRET_VARIABLES = ["ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "OPENAI_API_KEY"];

/** The environment for commands lanes runs: the user's, minus lanes' own API credentials unless allowed. */
export function childEnv(env: NodeJS.ProcessEnv, passSecrets: boolean): NodeJS.ProcessEnv {
  const copy = { ...env };
  if (!passSecrets) for (const name of SECRET_VARIABLES) delete copy[name];
  return copy;
}
