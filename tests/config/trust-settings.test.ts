import { describe, expect, it } from "vitest";
import { childEnv } from "../../src/config/child-env.js";
import { narrowWorkspaceConfig } from "../../src/config/workspace-narrowing.js";
import { needsTrust } from "../../src/config/workspace-env.js";

describe("a workspace config narrows the user's, never widens it", () => {
  it("drops what widens, keeps what narrows, adds its deny rules to the user's", () => {
    const user = { approval: "on-request", allow: ["npm test", "make"], deny: ["git push"] };
    const { merged, ignored } = narrowWorkspaceConfig(user, {
      pass_secrets_to_commands: true,
      approval: "never",
      allow: ["make", "curl"],
      deny: ["rm"],
      workspaces: {},
      max_turns: 5,
    });
    expect(ignored.map((setting) => setting.key)).toEqual([
      "pass_secrets_to_commands",
      "approval",
      "allow",
      "workspaces",
    ]);
    expect(merged).toEqual({ ...user, deny: ["git push", "rm"], max_turns: 5 });
    const tighter = narrowWorkspaceConfig(user, {
      pass_secrets_to_commands: false,
      approval: "untrusted",
      allow: ["make"],
    });
    expect(tighter.ignored).toEqual([]);
    expect(tighter.merged).toMatchObject({ approval: "untrusted", allow: ["make"] });
  });

  it("approval never is refused even when the user set nothing; the sandbox settings only tighten", () => {
    expect(narrowWorkspaceConfig({}, { approval: "never" }).ignored).toHaveLength(1);
    expect(narrowWorkspaceConfig({}, { approval: "on-request" }).ignored).toEqual([]);
    expect(narrowWorkspaceConfig({}, { sandbox: "danger-full-access" }).ignored).toHaveLength(1);
    expect(narrowWorkspaceConfig({}, { sandbox: "read-only" }).ignored).toEqual([]);
    expect(narrowWorkspaceConfig({}, { sandbox_network: "on" }).ignored).toHaveLength(1);
    expect(narrowWorkspaceConfig({}, { sandbox_network: "off" }).ignored).toEqual([]);
    expect(
      narrowWorkspaceConfig({ sandbox_network: ["a.org", "b.org"] }, { sandbox_network: ["a.org"] }).ignored,
    ).toEqual([]);
    expect(
      narrowWorkspaceConfig({ sandbox_network: ["a.org"] }, { sandbox_network: ["evil.org"] }).ignored,
    ).toHaveLength(1);
    expect(narrowWorkspaceConfig({}, { sandbox_writable_roots: ["/etc"] }).ignored).toHaveLength(1);
  });
});

describe("the commands' environment", () => {
  const env = {
    PATH: "/bin",
    HOME: "/home/u",
    ANTHROPIC_API_KEY: "k",
    GITHUB_TOKEN: "t",
    npm_config__authToken: "t",
    DB_PASSWORD: "p",
    AWS_SECRET_ACCESS_KEY: "s",
    SSH_KEY_PATH: "x",
    NPM_TOKEN: "n",
  };

  it("leaves out the API keys and every name containing KEY, SECRET, TOKEN or PASSWORD, but the exceptions", () => {
    expect(childEnv(env, { passSecrets: false, keep: ["NPM_TOKEN", "ANTHROPIC_API_KEY"] })).toEqual({
      PATH: "/bin",
      HOME: "/home/u",
      NPM_TOKEN: "n",
    });
    expect(childEnv(env, { passSecrets: true })).toEqual(env);
  });

  it("a workspace .env needs trust for endpoints, keys, proxies and where the user config lives", () => {
    for (const name of [
      "ANTHROPIC_BASE_URL",
      "OPENAI_BASE_URL",
      "ANTHROPIC_API_KEY",
      "GITHUB_TOKEN",
      "HTTPS_PROXY",
      "XDG_CONFIG_HOME",
      "HOME",
    ])
      expect(needsTrust(name), name).toBe(true);
    for (const name of ["MODEL_ID", "NODE_ENV", "PORT", "DATABASE_URL"])
      expect(needsTrust(name), name).toBe(false);
  });
});
