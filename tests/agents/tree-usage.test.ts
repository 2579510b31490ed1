import { describe, expect, it } from "vitest";
import { writeAgentState, type AgentPhase, type AgentState } from "../../src/lanes/agent-state.js";
import { AgentBudget, BudgetExceededError } from "../../src/agents/budget.js";
import { TreeUsage } from "../../src/agents/tree-usage.js";
import { useLaneFixture } from "../helpers/lane-fixture.js";

const ws = useLaneFixture();

function state(id: string, root: string, phase: AgentPhase, inputTokens: number): AgentState {
  const usage = {
    input_tokens: inputTokens,
    output_tokens: 0,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
  };
  return {
    ...{ id, root, parent: null, depth: 1, description: null, phase, current_tool: null, waiting_on: [] },
    ...{ turns: 1, usage, token_units: inputTokens, transcript: null, result_file: null, branch: null },
    ...{ worktree: null, budget: null, worker: null, updated_at: new Date().toISOString() },
  };
}

// Issue 19: before every model request an agent read and parsed the state of every agent the workspace ever
// ran (they are kept), so each agent's first request got slower with the workspace's history.
describe("the tree's usage an agent's budget checks before each request", () => {
  it("sums its tree's other agents, parsing an ended or foreign agent's state once and a live one each time", () => {
    const dir = ws.dir;
    for (let i = 0; i < 5; i++) writeAgentState(dir, state(`old${i}`, "old-tree", "completed", 1000));
    writeAgentState(dir, state("done1", "tree", "completed", 100));
    writeAgentState(dir, state("live1", "tree", "thinking", 10));
    writeAgentState(dir, state("self1", "tree", "thinking", 5));
    const usage = new TreeUsage({ stateDir: dir, root: "tree", self: "self1" });
    expect(usage.othersUnits()).toBe(110);
    expect(usage.parsed).toBe(7);
    // The live sibling spends more and the ended one cannot change: only the live one is read again.
    writeAgentState(dir, state("live1", "tree", "waiting", 40));
    expect(usage.othersUnits()).toBe(140);
    expect(usage.othersUnits()).toBe(140);
    expect(usage.parsed).toBe(9);
    // A sibling that ended is settled too; one that started since is found.
    writeAgentState(dir, state("live1", "tree", "completed", 50));
    writeAgentState(dir, state("new1", "tree", "starting", 0));
    expect(usage.othersUnits()).toBe(150);
    expect(usage.othersUnits()).toBe(150);
    expect(usage.parsed).toBe(12);
  });

  it("a check before a request refuses it once the tree's agents together reach tree_max_token_units", () => {
    writeAgentState(ws.dir, state("done2", "tree2", "completed", 100));
    writeAgentState(ws.dir, state("other", "tree3", "completed", 1_000));
    const limits = { maxTurns: 10, maxTokenUnits: 1_000, maxWallMs: 60_000, treeMaxTokenUnits: 150 };
    const budget = new AgentBudget(limits, { stateDir: ws.dir, root: "tree2", self: "self2" });
    budget.check();
    budget.record({
      input_tokens: 50,
      output_tokens: 0,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
    });
    expect(() => budget.check()).toThrow(BudgetExceededError);
    expect(() => budget.check()).toThrow("tree_max_token_units reached: 150 of 150");
  });
});
