import { loadConfigWithNotes, type LanesConfig } from "../config/config.js";
import { setWorkspaceTrust, workspaceEntry } from "../config/user-config.js";
import { loadWorkspaceEnv } from "../config/workspace-env.js";
import { displayPath } from "../present/task-text.js";

export interface WorkspaceSetupOptions {
  /** The REPL on a terminal: asks once whether to trust a workspace whose .env was held back. */
  askTrust?: ((workspace: string, held: string[]) => Promise<boolean>) | undefined;
  /** Where the one-line notes go (stderr). */
  note?: ((line: string) => void) | undefined;
}

const toStderr = (line: string): void => void process.stderr.write(`${line}\n`);

/** The settings, saying in one line which of the workspace's own were dropped because they widen. */
export function loadSettings(workspace: string, note: (line: string) => void = toStderr): LanesConfig {
  const { config, ignored, workspaceFile } = loadConfigWithNotes(workspace, process.env);
  if (ignored.length > 0) {
    const what = ignored.map((setting) => `${setting.key} (${setting.why})`).join(", ");
    note(
      `lanes: ignored in ${displayPath(workspace, workspaceFile)}: ${what}; a workspace's config may narrow what lanes does, never widen it`,
    );
  }
  return config;
}

/**
 * Reads the settings (the user's config first, from the shell's environment, so a workspace .env cannot
 * point lanes at another "user" config), then the workspace's .env as far as trust allows. Says in one
 * line each what the workspace tried to set and was not allowed to.
 */
export async function prepareWorkspace(
  workspace: string,
  options: WorkspaceSetupOptions = {},
): Promise<LanesConfig> {
  const note = options.note ?? toStderr;
  const config = loadSettings(workspace, note);
  let trusted = workspaceEntry(config, workspace).trusted;
  const env = loadWorkspaceEnv(workspace, trusted === true, process.env);
  if (env.refused !== undefined)
    note(
      `lanes: ignored ${env.refused.join(", ")} from ${displayPath(workspace, env.file ?? ".env")}: a workspace's .env may not add or change a remote (only your own config may)`,
    );
  if (env.held.length === 0) return config;
  if (trusted === undefined && options.askTrust) {
    trusted = await options.askTrust(workspace, env.held);
    let saved: string;
    try {
      saved = `saved in ${setWorkspaceTrust(workspace, trusted, process.env)}`;
    } catch (error) {
      // The answer still holds for this run; lanes just cannot remember it.
      saved = `not saved: ${(error as Error).message}`;
    }
    if (trusted) {
      loadWorkspaceEnv(workspace, true, process.env);
      note(`lanes: trusted ${workspace} (${saved}); its .env now sets ${env.held.join(", ")}`);
      return config;
    }
  }
  note(
    `lanes: ignored ${env.held.join(", ")} from ${displayPath(workspace, env.file ?? ".env")}: this workspace is not trusted (run \`lanes trust\` in it to allow endpoints, keys and tokens from its .env)`,
  );
  return config;
}
