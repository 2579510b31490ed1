/** Variables that hold credentials of the agent itself; commands the model runs do not need them. */
const SECRET_VARIABLES = ["ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "OPENAI_API_KEY"];

/** Names that usually hold a credential (Codex's default policy leaves these out the same way). */
const SECRET_NAME = /KEY|SECRET|TOKEN|PASSWORD/i;

export interface ChildEnvPolicy {
  /** pass_secrets_to_commands: the commands get the whole environment, lanes' own keys included. */
  passSecrets: boolean;
  /** pass_env_to_commands: names kept although they look like a credential (not lanes' API keys). */
  keep?: readonly string[];
}

/** The environment for commands lanes runs: the user's, minus what looks like a credential. */
export function childEnv(env: NodeJS.ProcessEnv, policy: ChildEnvPolicy): NodeJS.ProcessEnv {
  if (policy.passSecrets) return { ...env };
  const keep = new Set(policy.keep ?? []);
  const copy: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) {
    if (SECRET_VARIABLES.includes(name)) continue;
    if (SECRET_NAME.test(name) && !keep.has(name)) continue;
    copy[name] = value;
  }
  return copy;
}
