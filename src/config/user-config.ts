import { mkdirSync, realpathSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { readConfigFile, userConfigFile, validateConfigFile, type LanesConfig } from "./config.js";

/** Workspaces are remembered by their real path, so a symlinked checkout is the same workspace. */
export function workspaceKey(workspace: string): string {
  try {
    return realpathSync(workspace);
  } catch {
    return workspace;
  }
}

/** What the user decided for this workspace (trust, remembered rules), if anything. */
export function workspaceEntry(config: LanesConfig, workspace: string): LanesConfig["workspaces"][string] {
  return config.workspaces[workspaceKey(workspace)] ?? {};
}

type Entry = LanesConfig["workspaces"][string];

/**
 * Changes this workspace's entry in the user's config file and writes it back atomically (temp file and
 * rename, owner-only), keeping every other setting as it was. Returns the file written.
 */
export function updateWorkspaceEntry(
  workspace: string,
  change: (entry: Entry) => Entry,
  env: NodeJS.ProcessEnv,
): string {
  const file = userConfigFile(env);
  const raw = readConfigFile(file);
  validateConfigFile(file, raw);
  const workspaces = { ...(raw.workspaces as Record<string, Entry> | undefined) };
  const key = workspaceKey(workspace);
  workspaces[key] = change({ ...workspaces[key] });
  const next = { ...raw, workspaces };
  validateConfigFile(file, next);
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 });
  renameSync(temp, file);
  return file;
}

/** `lanes trust` and the REPL's question: whether this workspace's .env may set endpoints and keys. */
export function setWorkspaceTrust(workspace: string, trusted: boolean, env: NodeJS.ProcessEnv): string {
  return updateWorkspaceEntry(workspace, (entry) => ({ ...entry, trusted }), env);
}

/** "Yes, for commands starting the same way": the prefix joins this workspace's allow rules. */
export function rememberAllowRule(workspace: string, prefix: string, env: NodeJS.ProcessEnv): string {
  return updateWorkspaceEntry(
    workspace,
    (entry) => ({ ...entry, allow: [...new Set([...(entry.allow ?? []), prefix])] }),
    env,
  );
}

/** The allow and deny rules that hold in this workspace: the user's, plus answers remembered for it. */
export function commandRules(config: LanesConfig, workspace: string): { allow: string[]; deny: string[] } {
  return { allow: [...config.allow, ...(workspaceEntry(config, workspace).allow ?? [])], deny: config.deny };
}
