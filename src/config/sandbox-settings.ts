// The sandbox's settings as the configuration names them; the policy built from them lives in sandbox/.

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

/** Caches package managers write while installing: the default writable roots, so installs in a lane work. */
export const DEFAULT_WRITABLE_ROOTS: readonly string[] = ["~/.npm", "~/.cache"];
