import { agentStateOf, agentStatus } from "../present/agent-format.js";
import type { TaskRecord } from "../lanes/task-record.js";
import { emptyUsage, type Usage } from "../model/types.js";

/** What `-p` JSON says of an agent task besides a command's fields: its own status, usage and branch. */
export function agentFields(record: TaskRecord): { type: string; [field: string]: unknown } {
  if (record.type !== "local_agent") return { type: "command" };
  const state = agentStateOf(record);
  return {
    type: "agent",
    description: record.description,
    agent_status: agentStatus(record, state),
    turns: state?.turns ?? 0,
    usage: state?.usage ?? emptyUsage(),
    token_units: state?.token_units ?? 0,
    branch: state?.branch ?? null,
  };
}

/** The session's own usage plus every agent's it started (their agents' included: all share the folder). */
export function treeUsage(own: Usage, tasks: TaskRecord[]): Usage {
  const total = { ...own };
  for (const record of tasks) {
    const usage = agentStateOf(record)?.usage;
    if (!usage) continue;
    total.input_tokens += usage.input_tokens;
    total.output_tokens += usage.output_tokens;
    total.cache_creation_input_tokens += usage.cache_creation_input_tokens;
    total.cache_read_input_tokens += usage.cache_read_input_tokens;
  }
  return total;
}
