import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as z from "zod";

/** What an agent's worker does now and has spent; the worker writes it, every view reads it. */
export const AGENT_PHASES = [
  "starting",
  "thinking",
  "tool",
  "waiting",
  "completed",
  "failed",
  "budget_exceeded",
  "killed",
] as const;
export type AgentPhase = (typeof AGENT_PHASES)[number];

const UsageSchema = z.object({
  input_tokens: z.number(),
  output_tokens: z.number(),
  cache_creation_input_tokens: z.number(),
  cache_read_input_tokens: z.number(),
});

export const AgentStateSchema = z.object({
  id: z.string(),
  root: z.string(),
  parent: z.string().nullable(),
  depth: z.number(),
  description: z.string().nullable(),
  phase: z.enum(AGENT_PHASES),
  /** The tool it runs now (phase `tool`), e.g. `bash: npm test`. */
  current_tool: z.string().nullable(),
  /** Its own tasks it waits on (phase `waiting`). */
  waiting_on: z.array(z.string()),
  turns: z.number(),
  usage: UsageSchema,
  token_units: z.number(),
  /** The agent's conversation, appended as it goes (`/tasks logs ID`). */
  transcript: z.string().nullable(),
  /** The whole final answer; the parent gets it bounded. */
  result_file: z.string().nullable(),
  /** isolation "worktree": the branch, and the folder while it is kept. */
  branch: z.string().nullable(),
  worktree: z.string().nullable(),
  /** Why a budget stopped it, as data: which limit and the value reached. */
  budget: z.object({ limit: z.string(), max: z.number(), used: z.number() }).nullable(),
  /** The worker process and the .lanes folder its own tasks are recorded in (its parent ends what it leaves). */
  worker: z.object({ pid: z.number(), lanes_dir: z.string() }).nullable().default(null),
  updated_at: z.string(),
});

export type AgentState = z.infer<typeof AgentStateSchema>;

export function agentsDir(lanesDir: string): string {
  return join(lanesDir, "agents");
}

export function agentStateFile(lanesDir: string, id: string): string {
  return join(agentsDir(lanesDir), `${id}.json`);
}

/** The agent's state, or undefined when there is none (not started yet) or it cannot be read. */
export function readAgentState(lanesDir: string, id: string): AgentState | undefined {
  try {
    const parsed = AgentStateSchema.safeParse(JSON.parse(readFileSync(agentStateFile(lanesDir, id), "utf8")));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Every readable agent state of the workspace (tree budgets sum them). */
export function readAgentStates(lanesDir: string): AgentState[] {
  let names: string[];
  try {
    names = readdirSync(agentsDir(lanesDir));
  } catch {
    return [];
  }
  return names
    .filter((name) => name.endsWith(".json") && !name.includes(".spec"))
    .flatMap((name) => readAgentState(lanesDir, name.slice(0, -5)) ?? []);
}

/** Written whole through a rename, so a reader never sees half a file. */
export function writeAgentState(lanesDir: string, state: AgentState): void {
  mkdirSync(agentsDir(lanesDir), { recursive: true, mode: 0o700 });
  const file = agentStateFile(lanesDir, state.id);
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(state)}\n`, { mode: 0o600 });
  renameSync(temp, file);
}

/** Token-units: each kind weighted by its price ratio to an uncached input token. */
export function tokenUnits(usage: z.infer<typeof UsageSchema>): number {
  return (
    usage.input_tokens +
    1.25 * usage.cache_creation_input_tokens +
    0.1 * usage.cache_read_input_tokens +
    5 * usage.output_tokens
  );
}
