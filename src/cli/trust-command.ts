import { setWorkspaceTrust, workspaceKey } from "../config/user-config.js";

/** `lanes trust [--revoke]`: records the decision in the user's config and says what it changes. */
export function trustWorkspace(workspace: string, trusted: boolean): string {
  const file = setWorkspaceTrust(workspace, trusted, process.env);
  const where = workspaceKey(workspace);
  return trusted
    ? `Trusted ${where}: its .env may now set endpoints (ANTHROPIC_BASE_URL, OPENAI_BASE_URL), keys and tokens. Saved in ${file}.`
    : `No longer trusting ${where}: its .env may not set endpoints, keys or tokens. Saved in ${file}.`;
}
