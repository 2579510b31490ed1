import { randomBytes } from "node:crypto";
import type { LanesConfig } from "../config/config.js";
import type { ProviderName } from "../model/create-provider.js";

/** Where a session sits in a tree of agents, and what its agent_run passes down. */
export interface AgentContext {
  /** 0 for a session a person started; an agent's own session is one deeper than its parent's. */
  depth: number;
  /** The tree's id: every agent under one top session shares it (tree budgets). */
  root: string;
  /** The agent task this session is (null at the top). */
  self: string | null;
  /** The `.lanes` folder of the top session: agent states, specs and results live there. */
  stateDir: string;
  config: LanesConfig;
  model?: string;
  provider?: ProviderName;
  /** The environment the workers get: lanes' own, API key included (never the commands' one). */
  env: NodeJS.ProcessEnv;
  /** Only the read-only tools (an agent started with `tools: "read-only"`), passed down to its agents. */
  readOnly: boolean;
  /** The session can ask a person (the REPL): its agents relay their approval questions to it. */
  canAsk?: boolean;
}

export function topContext(
  stateDir: string,
  config: LanesConfig,
  model: string | undefined,
  provider: ProviderName | undefined,
  env: NodeJS.ProcessEnv,
  options: { canAsk?: boolean } = {},
): AgentContext {
  return {
    depth: 0,
    root: `tree-${randomBytes(4).toString("hex")}`,
    self: null,
    stateDir,
    config,
    ...(model !== undefined && { model }),
    ...(provider !== undefined && { provider }),
    env,
    readOnly: false,
    ...(options.canAsk && { canAsk: true }),
  };
}
