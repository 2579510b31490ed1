import type { ModelProvider, ModelRequest, ModelCallEvents, ModelTurn } from "../model/types.js";
import type { AgentBudget } from "./budget.js";

/**
 * The worker's model: every request first passes the budget check and the stop switch (after a kill, no
 * request leaves), then its usage is counted. Compaction's side calls go through it too.
 */
export function budgetedProvider(
  inner: ModelProvider,
  budget: AgentBudget,
  stopped: () => boolean,
  onUsage: () => void,
): ModelProvider {
  return {
    name: inner.name,
    model: inner.model,
    async createTurn(request: ModelRequest, events?: ModelCallEvents): Promise<ModelTurn> {
      if (stopped()) throw new Error("the agent was stopped");
      budget.check();
      const turn = await inner.createTurn(request, events);
      budget.record(turn.usage);
      onUsage();
      return turn;
    },
    ...(inner.advertisedWindow && { advertisedWindow: (signal) => inner.advertisedWindow!(signal) }),
  };
}
