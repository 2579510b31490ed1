import { displayCommand, displayPath, durationOf, statusPhrase, waitingText } from "./task-text.js";
import { agentProgress, agentStateOf } from "./agent-format.js";
import type { LaneWait } from "../lanes/lane-types.js";
import { listeningText, publishedPorts } from "../lanes/published-ports.js";
import type { TaskRecord } from "../lanes/task-record.js";
import { formatBytes, formatDuration } from "../text/preview.js";

/**
 * A task's record as the model reads it: one field per line; a queued one says what it waits for, and one
 * of another lanes whose it is.
 */
export function describeRecord(
  workspace: string | null,
  record: TaskRecord,
  extra: { wait?: LaneWait | undefined; owner?: string | undefined } = {},
): string {
  const { wait, owner } = extra;
  const duration = durationOf(record);
  const agent = agentStateOf(record);
  const rows: [string, string | null][] = [
    ["id", record.id],
    ["status", statusPhrase(record)],
    ["owner", owner ?? null],
    ["command", record.type === "local_agent" ? null : displayCommand(record.command, 1_000)],
    // An agent's live usage and current tool, and its conversation so far.
    ["agent", record.type === "local_agent" ? agentProgress(agent) : null],
    ["transcript", agent?.transcript ? displayPath(workspace, agent.transcript) : null],
    ["description", record.description],
    ["lane", record.lane],
    ["waiting", wait ? `${waitingText(wait)}; it starts when a slot frees` : null],
    ["started_at", record.started_at],
    ["ended_at", record.ended_at],
    ["duration", duration === null ? null : formatDuration(duration)],
    ["exit_code", record.exit_code === null ? null : String(record.exit_code)],
    ["signal", record.signal],
    ["output", `${formatBytes(record.output_bytes)} in ${displayPath(workspace, record.output_file)}`],
    ["persist", record.persist ? "yes (outlives lanes)" : null],
    // Published from the sandbox's private loopback: the user's browser opens this address, not the inside one.
    ["network", listeningText(publishedPorts(record)) ?? null],
  ];
  return rows
    .filter((row): row is [string, string] => row[1] !== null)
    .map(([key, value]) => `${key}: ${value}`)
    .join("\n");
}
