import { homedir, tmpdir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import {
  DEFAULT_WRITABLE_ROOTS,
  SANDBOX_MODES,
  REGISTRY_DOMAINS,
  type NetworkSetting,
  type SandboxMode,
} from "../config/sandbox-settings.js";

export { DEFAULT_WRITABLE_ROOTS, SANDBOX_MODES, REGISTRY_DOMAINS, type NetworkSetting, type SandboxMode };

/** Credentials hidden from every sandboxed command (relative to HOME), besides the configured extras. */
export const DEFAULT_DENY_READ: readonly string[] = [
  "~/.ssh",
  "~/.aws",
  "~/.gnupg",
  "~/.config/gcloud",
  "~/.netrc",
  "~/.docker/config.json",
  "~/.kube",
  "~/.azure",
  "~/.npmrc",
  "~/.pypirc",
  "~/.git-credentials",
  "~/.config/gh",
  "~/.config/lanes",
];

/**
 * Sockets that hand out the host: connecting to one works through a read-only mount, so they are covered.
 * (The ssh agent's socket, from SSH_AUTH_SOCK, is added per launch.)
 */
export const HOST_SOCKETS: readonly string[] = [
  "/var/run/docker.sock",
  "/run/docker.sock",
  "/run/containerd/containerd.sock",
  "/run/podman/podman.sock",
];

export interface SandboxPolicy {
  mode: SandboxMode;
  network: NetworkSetting;
  /** Absolute paths hidden from commands (a missing one is skipped). */
  denyRead: string[];
  /** Absolute paths writable besides the workspace and the temp folders (workspace-write only). */
  writableRoots: string[];
}

export interface SandboxSettings {
  sandbox: SandboxMode;
  sandbox_network: NetworkSetting;
  sandbox_deny_read: string[];
  sandbox_writable_roots: string[];
}

/** `~/x` and relative paths made absolute (relative ones against the workspace). */
export function expandPath(path: string, home: string, workspace: string): string {
  if (path === "~") return home;
  if (path.startsWith("~/")) return join(home, path.slice(2));
  return isAbsolute(path) ? resolve(path) : resolve(workspace, path);
}

/** The policy the settings describe, with every path absolute. */
export function policyFromSettings(
  settings: SandboxSettings,
  workspace: string,
  env: NodeJS.ProcessEnv,
): SandboxPolicy {
  const home = env.HOME ?? homedir();
  const abs = (paths: readonly string[]): string[] => paths.map((p) => expandPath(p, home, workspace));
  return {
    mode: settings.sandbox,
    network: settings.sandbox_network,
    denyRead: [...abs(DEFAULT_DENY_READ), ...HOST_SOCKETS, ...abs(settings.sandbox_deny_read)],
    writableRoots: abs(settings.sandbox_writable_roots),
  };
}

/** The temp folders commands may write in workspace-write: /tmp, /var/tmp and $TMPDIR. */
export function tempRoots(env: NodeJS.ProcessEnv): string[] {
  return [...new Set(["/tmp", "/var/tmp", env.TMPDIR ? resolve(env.TMPDIR) : tmpdir()])];
}
