import * as z from "zod";
import { APPROVAL_MODES } from "./approval-modes.js";

/** A command prefix as the user writes it in `allow` / `deny`: words, matched word by word. */
const CommandPrefix = z.string().trim().min(1).max(500);

const VariableName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "expected an environment variable name");

export { APPROVAL_MODES, type ApprovalMode } from "./approval-modes.js";

/** What the user decided for one workspace: kept in the user's config only, keyed by the real path. */
const WorkspaceEntry = z
  .object({
    trusted: z
      .boolean()
      .optional()
      .describe("Whether its .env may set endpoints, keys and tokens (lanes trust / the REPL's question)"),
    allow: z.array(CommandPrefix).optional().describe("Prefixes answered 'yes, for commands starting so'"),
  })
  .strict();

/**
 * The settings of approvals, rules, trust and the commands' environment. Spread into ConfigSchema; a
 * workspace's own config can only narrow them (see workspace-narrowing.ts).
 */
export const TRUST_SETTINGS = {
  approval: z
    .enum(APPROVAL_MODES)
    .optional()
    .describe(
      "When to ask before a command: untrusted, on-request (REPL default) or never (-p and mcp default)",
    ),
  allow: z
    .array(CommandPrefix)
    .default([])
    .describe("Command prefixes that run without a question, also outside the sandbox when asked for"),
  deny: z.array(CommandPrefix).default([]).describe("Command prefixes never run (deny wins over allow)"),
  pass_env_to_commands: z
    .array(VariableName)
    .default([])
    .describe("Variables commands keep although their names contain KEY, SECRET, TOKEN or PASSWORD"),
  workspaces: z
    .record(z.string(), WorkspaceEntry)
    .default({})
    .describe("Per workspace (user config only): trusted, remembered allow rules"),
};
