import { tokenUnits } from "../lanes/agent-state.js";
import { emptyUsage, type Usage } from "../model/types.js";
import { TreeUsage } from "./tree-usage.js";

/** A limit an agent reached, as data: which one, its value and what was used. */
export class BudgetExceededError extends Error {
  override name = "BudgetExceededError";
  constructor(
    readonly limit: "max_turns" | "max_token_units" | "max_wall_ms" | "tree_max_token_units",
    readonly max: number,
    readonly used: number,
  ) {
    super(`${limit} reached: ${Math.round(used)} of ${max}`);
  }
}

export interface BudgetLimits {
  maxTurns: number;
  maxTokenUnits: number;
  maxWallMs: number;
  treeMaxTokenUnits: number;
}

/**
 * One agent's spending, checked before every model request (so it overshoots by one request at most). The
 * tree's share is read from the other agents' state files of the same root; this agent's own is counted live.
 */
export class AgentBudget {
  turns = 0;
  readonly usage: Usage = emptyUsage();
  private readonly startedAt: number;
  private readonly tree: TreeUsage;

  constructor(
    private readonly limits: BudgetLimits,
    tree: { stateDir: string; root: string; self: string },
    startedAt = Date.now(),
  ) {
    this.startedAt = startedAt;
    this.tree = new TreeUsage(tree);
  }

  get tokenUnits(): number {
    return tokenUnits(this.usage);
  }

  /** Throws BudgetExceededError when the next request would pass a limit. */
  check(now = Date.now()): void {
    const { maxTurns, maxTokenUnits, maxWallMs, treeMaxTokenUnits } = this.limits;
    if (this.turns >= maxTurns) throw new BudgetExceededError("max_turns", maxTurns, this.turns);
    const units = this.tokenUnits;
    if (units >= maxTokenUnits) throw new BudgetExceededError("max_token_units", maxTokenUnits, units);
    const wall = now - this.startedAt;
    if (wall >= maxWallMs) throw new BudgetExceededError("max_wall_ms", maxWallMs, wall);
    const others = this.tree.othersUnits();
    if (others + units >= treeMaxTokenUnits)
      throw new BudgetExceededError("tree_max_token_units", treeMaxTokenUnits, others + units);
  }

  record(usage: Usage): void {
    this.turns++;
    this.usage.input_tokens += usage.input_tokens;
    this.usage.output_tokens += usage.output_tokens;
    this.usage.cache_creation_input_tokens += usage.cache_creation_input_tokens;
    this.usage.cache_read_input_tokens += usage.cache_read_input_tokens;
  }
}
