import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as z from "zod";
import { ConfigSchema } from "../config/config.js";
import { agentsDir } from "../lanes/agent-state.js";

/** What `agent_run` hands its worker process: written before the task starts, read once by the worker. */
export const AgentSpecSchema = z.object({
  prompt: z.string(),
  description: z.string().nullable(),
  tools: z.enum(["all", "read-only"]),
  model: z.string().optional(),
  provider: z.enum(["anthropic", "openai"]).optional(),
  depth: z.number().int().min(1),
  parent: z.string().nullable(),
  root: z.string(),
  /** The `.lanes` folder of the session that started the tree: agent states and results live there. */
  state_dir: z.string(),
  /** Where the agent works: the workspace, or its worktree. */
  workspace: z.string(),
  worktree: z
    .object({ path: z.string(), branch: z.string(), base: z.string(), origin: z.string() })
    .nullable(),
  max_turns: z.number().int().positive(),
  max_wall_ms: z.number().int().positive(),
  config: ConfigSchema,
  started_at: z.string(),
  /** A person can be asked (the REPL): the agent's approval questions go to it (approval-relay.ts). */
  ask_parent: z.boolean().optional(),
  /**
   * Whether bubblewrap works here, as the parent found: the worker does not probe again. `pending`: the
   * parent was still probing when it started the worker, and writes its answer here (agent-probe.ts).
   */
  sandbox_probe: z
    .union([
      z.object({ ok: z.literal(true), bwrap: z.string() }),
      z.object({ ok: z.literal(false), reason: z.string() }),
      z.object({ pending: z.literal(true) }),
    ])
    .optional(),
});

export type AgentSpec = z.infer<typeof AgentSpecSchema>;

/** The spec file of one start; its name does not need the task id, which is known only once it starts. */
export function writeAgentSpec(stateDir: string, name: string, spec: AgentSpec): string {
  const dir = agentsDir(stateDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, `${name}.spec.json`);
  writeFileSync(file, JSON.stringify(spec), { mode: 0o600 });
  return file;
}

/** Throws a ZodError naming the field when the file is not a spec. */
export function readAgentSpec(file: string): AgentSpec {
  return AgentSpecSchema.parse(JSON.parse(readFileSync(file, "utf8")));
}
