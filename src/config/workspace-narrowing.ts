import { narrowLanes } from "./remote-narrowing.js";

/**
 * A workspace's `.lanes/config.json` comes with the repository, so whoever wrote the repository wrote it.
 * It may narrow what lanes does, never widen it: each setting that grants something is checked against
 * what the user's own config (or the default) grants, and a wider value is dropped with a note.
 */

type Raw = Record<string, unknown>;

/** A workspace setting that was not applied, and why. The CLI turns these into one line. */
export interface IgnoredSetting {
  key: string;
  why: string;
}

type Rule =
  /** Only the user's config may set it (per-workspace trust, remembered answers). */
  | { kind: "user-only" }
  /** A switch that grants something when true: the workspace may only turn it off. */
  | { kind: "off-only" }
  /** A list of grants: the workspace may keep fewer of the user's, never add one. */
  | { kind: "subset" }
  /** A list of restrictions: the workspace's entries are added to the user's. */
  | { kind: "union" }
  /** Ordered from strictest to widest; the workspace may only pick a stricter one. */
  | { kind: "rank"; order: readonly string[]; fallback?: string; barred?: string };

const RULES: Record<string, Rule> = {
  workspaces: { kind: "user-only" },
  pass_secrets_to_commands: { kind: "off-only" },
  pass_env_to_commands: { kind: "subset" },
  allow: { kind: "subset" },
  deny: { kind: "union" },
  // The REPL's default is on-request and -p's never; a workspace can ask for more questions, not fewer.
  approval: { kind: "rank", order: ["untrusted", "on-request", "never"], barred: "never" },
  // The sandbox's settings (src/sandbox owns them).
  sandbox: {
    kind: "rank",
    order: ["read-only", "workspace-write", "danger-full-access"],
    fallback: "workspace-write",
  },
  sandbox_writable_roots: { kind: "subset" },
  sandbox_deny_read: { kind: "union" },
};

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** sandbox_network: "off" narrows anything; a domain list narrows "on" or a list holding all of it. */
function networkWidens(user: unknown, workspace: unknown): boolean {
  if (workspace === "off") return false;
  if (user === "on") return false;
  if (workspace === "on") return true;
  const granted = new Set(list(user));
  return !Array.isArray(user) || list(workspace).some((domain) => !granted.has(domain));
}

function widens(rule: Rule, user: unknown, workspace: unknown): string | undefined {
  switch (rule.kind) {
    case "user-only":
      return "only your own config may set it";
    case "off-only":
      return workspace === true && user !== true ? "a workspace may only turn it off" : undefined;
    case "subset": {
      const granted = new Set(list(user));
      const extra = list(workspace).filter((entry) => !granted.has(entry));
      return extra.length > 0 ? `a workspace may not add ${JSON.stringify(extra)}` : undefined;
    }
    case "union":
      return undefined;
    case "rank": {
      const base = typeof user === "string" ? user : rule.fallback;
      if (base === undefined)
        return workspace === rule.barred ? `a workspace may not set ${String(workspace)}` : undefined;
      return rule.order.indexOf(String(workspace)) > rule.order.indexOf(base)
        ? `wider than ${base}`
        : undefined;
    }
  }
}

/** The workspace's settings that apply, merged over the user's, and those dropped because they widen. */
export function narrowWorkspaceConfig(user: Raw, workspace: Raw): { merged: Raw; ignored: IgnoredSetting[] } {
  const merged: Raw = { ...user };
  const ignored: IgnoredSetting[] = [];
  for (const [key, value] of Object.entries(workspace)) {
    if (key === "lanes") {
      const lanes = narrowLanes(user[key], value);
      merged[key] = lanes.merged;
      ignored.push(...lanes.ignored);
      continue;
    }
    const rule = RULES[key];
    const why =
      key === "sandbox_network"
        ? networkWidens(user[key], value)
          ? 'a workspace may narrow it to "off" or to domains your config already allows'
          : undefined
        : rule && widens(rule, user[key], value);
    if (why !== undefined) ignored.push({ key, why });
    else if (rule?.kind === "union") merged[key] = [...new Set([...list(user[key]), ...list(value)])];
    else merged[key] = value;
  }
  return { merged, ignored };
}
