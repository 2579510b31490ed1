import { agentFields, treeUsage } from "./agent-summary.js";
import type { AgentRunResult } from "../agent/loop.js";
import { durationOf } from "../present/task-text.js";
import type { TaskRecord } from "../lanes/task-record.js";
import { emptyUsage, type Usage } from "../model/types.js";

/** The `--output-format json` object (also the last line of `stream-json`). */
export interface RunSummary {
  type: "result";
  /** Resume this conversation with `lanes --resume ID`. */
  session_id: string;
  result: string;
  is_error: boolean;
  num_turns: number;
  duration_ms: number;
  /** Summed over the run's model calls, compaction side calls included. */
  usage: Usage;
  tool_calls: { name: string; input: unknown; is_error: boolean }[];
  background_tasks: {
    id: string;
    command: string;
    status: string;
    exit_code: number | null;
    duration_ms: number | null;
    /** `command` or `agent`; an agent adds its agent_status, turns, usage, token_units, branch. */
    type: string;
    [agentField: string]: unknown;
  }[];
}

export function summarize(
  outcome: { sessionId: string; result?: AgentRunResult | undefined; text: string; isError: boolean },
  tasks: TaskRecord[],
  startedAt: number,
): RunSummary {
  return {
    type: "result",
    session_id: outcome.sessionId,
    result: outcome.text,
    is_error: outcome.isError,
    num_turns: outcome.result?.turns ?? 0,
    duration_ms: Date.now() - startedAt,
    // The tree's: what its agents spent is this run's cost too.
    usage: treeUsage(outcome.result?.usage ?? emptyUsage(), tasks),
    tool_calls: outcome.result?.toolCalls ?? [],
    background_tasks: tasks.map((record) => ({
      id: record.id,
      command: record.command,
      status: record.status,
      exit_code: record.exit_code,
      duration_ms: durationOf(record),
      ...agentFields(record),
    })),
  };
}
