import { readdirSync } from "node:fs";
import { agentsDir, readAgentState, type AgentPhase } from "../lanes/agent-state.js";

/** Phases a worker writes only after its last request and its shutdown: its usage is final. */
const FINAL = new Set<AgentPhase>(["completed", "failed", "budget_exceeded"]);

/**
 * The token-units the other agents of one tree have used, read from their state files before each request.
 * A workspace keeps the state of every agent it ever ran, and an ended agent's or another tree's never
 * changes: each is parsed once, and only this tree's live agents again.
 */
export class TreeUsage {
  /** State files parsed so far (tests count them). */
  parsed = 0;
  /** By agent id: its final units, 0 for another tree's. */
  private readonly settled = new Map<string, number>();

  constructor(private readonly tree: { stateDir: string; root: string; self: string }) {}

  othersUnits(): number {
    let names: string[];
    try {
      names = readdirSync(agentsDir(this.tree.stateDir));
    } catch {
      return 0;
    }
    let sum = 0;
    for (const name of names) {
      if (!name.endsWith(".json") || name.includes(".spec")) continue;
      const id = name.slice(0, -5);
      if (id === this.tree.self) continue;
      const known = this.settled.get(id);
      if (known !== undefined) {
        sum += known;
        continue;
      }
      this.parsed++;
      const state = readAgentState(this.tree.stateDir, id);
      if (!state) continue;
      const ours = state.root === this.tree.root;
      if (!ours || FINAL.has(state.phase)) this.settled.set(id, ours ? state.token_units : 0);
      if (ours) sum += state.token_units;
    }
    return sum;
  }
}
