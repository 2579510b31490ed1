import * as z from "zod";
import { MAX_TIMER_MS } from "./limits.js";

/**
 * Limits of background agents (`agent_run`), per agent and per tree of agents under one session. The
 * defaults cannot run away overnight: an agent stops after 30 minutes or 3M token-units at most.
 */
export const AgentLimitsSchema = z
  .object({
    max_depth: z.number().int().min(0).max(5).default(2).describe("Agents of agents: how deep"),
    max_turns: z.number().int().positive().max(10_000).default(50).describe("Model calls per agent"),
    max_token_units: z
      .number()
      .positive()
      .default(3_000_000)
      .describe("Token-units per agent (input 1, cache write 1.25, cache read 0.1, output 5)"),
    max_wall_ms: z
      .number()
      .int()
      .positive()
      .max(MAX_TIMER_MS)
      .default(1_800_000)
      .describe("Wall time per agent"),
    tree_max_token_units: z
      .number()
      .positive()
      .default(10_000_000)
      .describe("Token-units of all the agents one session started, their own agents included"),
  })
  .strict();

export type AgentLimits = z.infer<typeof AgentLimitsSchema>;
