import { tokenUnits, writeAgentState, type AgentPhase, type AgentState } from "../lanes/agent-state.js";
import type { AgentEvent } from "../agent/events.js";
import type { AgentSpec } from "./agent-spec.js";
import type { AgentBudget } from "./budget.js";

/** The worker's live state file: updated as its loop reports events; a failed write never stops the agent. */
export class AgentStateWriter {
  readonly state: AgentState;

  private readonly stateDir: string;

  constructor(
    id: string,
    spec: AgentSpec,
    private readonly budget: AgentBudget,
  ) {
    this.stateDir = spec.state_dir;
    this.state = {
      id,
      root: spec.root,
      parent: spec.parent,
      depth: spec.depth,
      description: spec.description,
      phase: "starting",
      current_tool: null,
      waiting_on: [],
      turns: 0,
      usage: { ...budget.usage },
      token_units: 0,
      transcript: null,
      result_file: null,
      branch: spec.worktree?.branch ?? null,
      worktree: spec.worktree?.path ?? null,
      budget: null,
      worker: null,
      updated_at: new Date().toISOString(),
    };
  }

  update(change: Partial<AgentState>): void {
    Object.assign(this.state, change, {
      turns: this.budget.turns,
      usage: { ...this.budget.usage },
      token_units: Math.round(tokenUnits(this.budget.usage)),
      updated_at: new Date().toISOString(),
    });
    try {
      writeAgentState(this.stateDir, this.state);
    } catch {
      // A full disk must not end the agent: the state is advisory, the record and result are what count.
    }
  }

  /** What the loop's events say about where the agent is. */
  observe(event: AgentEvent, runningTasks: () => string[]): void {
    const phase = (p: AgentPhase, extra: Partial<AgentState> = {}): void =>
      this.update({ phase: p, current_tool: null, waiting_on: [], ...extra });
    if (event.type === "turn-start") phase("thinking");
    else if (event.type === "tool-call") phase("tool", { current_tool: toolLabel(event.name, event.input) });
    else if (event.type === "tool-result") phase("thinking");
    else if (event.type === "idle-wait") phase("waiting", { waiting_on: runningTasks() });
  }
}

/** `bash: npm test`, `read_file: src/x.ts`: the tool and its main argument, short. */
function toolLabel(name: string, input: unknown): string {
  const fields = (input ?? {}) as Record<string, unknown>;
  const main = fields.command ?? fields.path ?? fields.prompt ?? fields.id ?? "";
  const text = typeof main === "string" ? main.replace(/\s+/g, " ") : JSON.stringify(main);
  return text ? `${name}: ${text.length > 60 ? `${text.slice(0, 59)}…` : text}` : name;
}
