import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import * as z from "zod";
import { DEFAULT_WRITABLE_ROOTS, REGISTRY_DOMAINS, SANDBOX_MODES } from "./sandbox-settings.js";
import { AgentLimitsSchema } from "./agent-limits.js";
import { MAX_TIMER_MS } from "./limits.js";
import { LaneSettingsSchema } from "./remote-settings.js";
import { TRUST_SETTINGS } from "./trust-settings.js";
import { jsonProblem, schemaProblems, type ConfigProblem } from "./config-problem.js";
import { narrowWorkspaceConfig, type IgnoredSetting } from "./workspace-narrowing.js";

/** Every setting lanes reads, with its default. The README's settings table mirrors this schema. */
export const ConfigSchema = z
  .object({
    model: z.string().optional().describe("Model id; MODEL_ID and --model override it"),
    default_lane_limit: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(8)
      .describe("Tasks running at once per lane"),
    lanes: z
      .record(z.string(), LaneSettingsSchema)
      .default({})
      .describe(
        'Named lanes with their own limit, e.g. {"tests": {"limit": 2}}; `remote` (your config only) runs a lane on an SSH host or Slurm (docs/REMOTE.md)',
      ),
    output_cap_bytes: z
      .number()
      .int()
      .positive()
      .default(1024 ** 3)
      .describe("A task printing more is killed"),
    stall_ms: z
      .number()
      .int()
      .min(0)
      .max(MAX_TIMER_MS)
      .default(45_000)
      .describe("Silence before a stall notice (0 = never)"),
    kill_grace_ms: z.number().int().min(0).max(60_000).default(2_000).describe("Between TERM and KILL"),
    bash_background_after_ms: z
      .number()
      .int()
      .positive()
      .max(MAX_TIMER_MS)
      .default(60_000)
      .describe("A foreground bash still running then moves to a lane"),
    max_wait_ms: z
      .number()
      .int()
      .positive()
      .max(MAX_TIMER_MS)
      .default(600_000)
      .describe("-p: longest wait for tasks after the model stops"),
    task_retention_days: z
      .number()
      .min(0)
      .max(36_500)
      .default(7)
      .describe("Ended tasks (record and log) older than this are pruned at session start; 0 keeps them"),
    max_turns: z.number().int().positive().default(100).describe("Model calls per prompt"),
    wake_on_result: z
      .boolean()
      .default(true)
      .describe("REPL: a result landing while the prompt is empty and the model is done wakes the model"),
    context_window: z
      .number()
      .int()
      .min(2_000)
      .max(100_000_000)
      .optional()
      .describe(
        "The model's context window in tokens (default 200000 for Anthropic; for OpenAI-compatible what the server's model list says, else 128000)",
      ),
    compact_at: z
      .number()
      .min(0.1)
      .max(1)
      .default(0.85)
      .describe("Compact the conversation before a request would pass this share of the window"),
    pass_secrets_to_commands: z
      .boolean()
      .default(false)
      .describe("Let commands see ANTHROPIC_API_KEY / ANTHROPIC_AUTH_TOKEN / OPENAI_API_KEY"),
    sandbox: z.enum(SANDBOX_MODES).default("workspace-write").describe("The OS sandbox commands run in"),
    sandbox_network: z
      .union([
        z.enum(["off", "on"]),
        z.array(z.string().regex(/^(\*\.)?[A-Za-z0-9.-]+$/, "a domain name, or *.domain")),
      ])
      .default([...REGISTRY_DOMAINS])
      .describe('Network inside the sandbox: "off", "on", or the domains allowed through the proxy'),
    sandbox_deny_read: z
      .array(z.string().min(1))
      .default([])
      .describe("Paths hidden from commands, besides the built-in credential list"),
    sandbox_writable_roots: z
      .array(z.string().min(1))
      .default([...DEFAULT_WRITABLE_ROOTS])
      .describe("Folders writable in workspace-write besides the workspace and the temp folders"),
    agents: AgentLimitsSchema.default(AgentLimitsSchema.parse({})).describe("Limits of background agents"),
    ...TRUST_SETTINGS,
  })
  .strict();

export type LanesConfig = z.infer<typeof ConfigSchema>;

/** A config file lanes cannot use: the file and what is wrong in it, as data (the CLI words it). */
export class ConfigError extends Error {
  override name = "ConfigError";
  constructor(
    readonly file: string,
    readonly problems: ConfigProblem[],
  ) {
    super(`${file}: ${problems.map(problemSummary).join("; ")}`);
  }
}

/** The one-line form for logs and tests; src/cli/config-error-text.ts says it with the fix. */
function problemSummary(problem: ConfigProblem): string {
  switch (problem.kind) {
    case "not_json":
      return `not JSON (line ${problem.line}, column ${problem.column}: ${problem.reason})`;
    case "unreadable":
      return `cannot be read (${problem.reason})`;
    case "not_object":
      return "not a JSON object";
    case "unknown_key":
      return `${problem.key}: not a setting`;
    case "bad_value":
      return `${problem.key || "(top)"}: expected ${problem.expected}, got ${JSON.stringify(problem.got)}`;
  }
}

/** The user's file, then the workspace's: later files override earlier ones key by key. */
export function configFiles(workspace: string, env: NodeJS.ProcessEnv): string[] {
  return [userConfigFile(env), join(workspace, ".lanes", "config.json")];
}

/** `~/.config/lanes/config.json` (or under XDG_CONFIG_HOME): the user's own settings and decisions. */
export function userConfigFile(env: NodeJS.ProcessEnv): string {
  const userDir = env.XDG_CONFIG_HOME ?? join(env.HOME ?? homedir(), ".config");
  return join(userDir, "lanes", "config.json");
}

/** A config file's raw object ({} when it does not exist); not JSON or not an object is a ConfigError. */
export function readConfigFile(file: string): Record<string, unknown> {
  if (!existsSync(file)) return {};
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new ConfigError(file, [{ kind: "unreadable", reason: (error as Error).message }]);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(file, [jsonProblem(error as Error, text)]);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new ConfigError(file, [{ kind: "not_object" }]);
  return value as Record<string, unknown>;
}

/** Validates one file's settings; the error names the file and each wrong key. */
export function validateConfigFile(file: string, raw: Record<string, unknown>): void {
  const result = ConfigSchema.partial().safeParse(raw);
  if (result.success) return;
  throw new ConfigError(file, schemaProblems(ConfigSchema, result.error.issues, raw));
}

/** The settings, and the workspace settings that were dropped because they would widen the user's. */
export interface LoadedConfig {
  config: LanesConfig;
  ignored: IgnoredSetting[];
  /** The workspace file those came from. */
  workspaceFile: string;
}

/**
 * Loads and validates both files; the workspace's may only narrow the user's (workspace-narrowing.ts).
 * A bad file is a clear error naming the file and the key.
 */
export function loadConfigWithNotes(workspace: string, env: NodeJS.ProcessEnv): LoadedConfig {
  const [userFile = "", workspaceFile = ""] = configFiles(workspace, env);
  const user = readConfigFile(userFile);
  validateConfigFile(userFile, user);
  const own = readConfigFile(workspaceFile);
  validateConfigFile(workspaceFile, own);
  // Compared with what the user's file grants with the defaults filled in (the registry list, the roots).
  const { merged, ignored } = narrowWorkspaceConfig(ConfigSchema.parse(user), own);
  return { config: ConfigSchema.parse(merged), ignored, workspaceFile };
}

/** The settings alone, for commands that have nobody to tell about ignored workspace settings. */
export function loadConfig(workspace: string, env: NodeJS.ProcessEnv): LanesConfig {
  return loadConfigWithNotes(workspace, env).config;
}
