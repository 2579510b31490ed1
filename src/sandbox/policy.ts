import { homedir, tmpdir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";

/** What commands may touch. `danger-full-access` runs them as lanes itself runs: no sandbox at all. */
export const SANDBOX_MODES = ["read-only", "workspace-write", "danger-full-access"] as const;
export type SandboxMode = (typeof SANDBOX_MODES)[number];

/** `off`: no network; `on`: the host's network, loopback included; a list: only these domains, via a proxy. */
export type NetworkSetting = "off" | "on" | string[];

/**
 * Package registries and GitHub, so `npm install`, `pip install`, `cargo fetch`, `go mod download`,
 * `bundle install`, Maven and `git clone https://github.com/...` work inside a lane. `*.x` matches
 * subdomains of x, not x itself.
 */
export const REGISTRY_DOMAINS: readonly string[] = [
  "registry.npmjs.org",
  "registry.yarnpkg.com",
  "pypi.org",
  "files.pythonhosted.org",
  "crates.io",
  "*.crates.io",
  "proxy.golang.org",
  "sum.golang.org",
  "rubygems.org",
  "*.rubygems.org",
  "repo.maven.apache.org",
  "repo1.maven.org",
  "github.com",
  "*.github.com",
  "*.githubusercontent.com",
];

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

/** Caches package managers write while installing: the default writable roots, so installs in a lane work. */
export const DEFAULT_WRITABLE_ROOTS: readonly string[] = ["~/.npm", "~/.cache"];

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
  env: NodeJS.ProcessEnv = process.env,
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
export function tempRoots(env: NodeJS.ProcessEnv = process.env): string[] {
  return [...new Set(["/tmp", "/var/tmp", env.TMPDIR ? resolve(env.TMPDIR) : tmpdir()])];
}
