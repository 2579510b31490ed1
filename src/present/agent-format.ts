import { dirname, relative } from "node:path";
import { inertText } from "../text/inert.js";
import { formatDuration } from "../text/preview.js";
import { readTail } from "../text/utf8-window.js";
import { readAgentState, type AgentState } from "../lanes/agent-state.js";
import { isTerminal, type TaskRecord } from "../lanes/task-record.js";

/** Characters of an agent's report the parent reads (the worker bounds its final text below this). */
export const AGENT_REPORT_CHARS = 6000;

/** The `.lanes` folder a record lives in (`.lanes/tasks/ID.json`): agent states sit next to it. */
export function lanesDirOf(record: TaskRecord): string {
  return dirname(dirname(record.output_file));
}

export function agentStateOf(record: TaskRecord): AgentState | undefined {
  return record.type === "local_agent" ? readAgentState(lanesDirOf(record), record.id) : undefined;
}

/** `completed`, `budget_exceeded`, `killed`...: the agent's own word once it ended, else the record's. */
export function agentStatus(record: TaskRecord, state = agentStateOf(record)): string {
  const ended = state && ["completed", "failed", "budget_exceeded", "killed"].includes(state.phase);
  if (record.status === "killed" || record.status === "timed_out" || record.status === "lost")
    return record.status;
  return ended ? state.phase : record.status;
}

/** `3 turns, 12.4k token-units, now: bash npm test` */
export function agentProgress(state: AgentState | undefined): string {
  if (!state) return "not started yet";
  const units =
    state.token_units >= 1000 ? `${(state.token_units / 1000).toFixed(1)}k` : `${state.token_units}`;
  const now =
    state.phase === "tool" && state.current_tool
      ? `, now: ${state.current_tool}`
      : state.phase === "waiting"
        ? `, waiting on its task(s) ${state.waiting_on.join(", ")}`
        : "";
  return `${state.turns} turn(s), ${units} token-units${now}`;
}

/** The status line's short form, what it does first so a narrow terminal keeps it: `bash: npm test · 3 turns · 12.4k units` */
export function agentBrief(state: AgentState | undefined): string {
  if (!state) return "starting";
  const units =
    state.token_units >= 1000 ? `${(state.token_units / 1000).toFixed(1)}k` : `${state.token_units}`;
  const doing =
    state.phase === "tool" && state.current_tool
      ? state.current_tool
      : state.phase === "waiting"
        ? `waiting on ${state.waiting_on.join(", ") || "its tasks"}`
        : state.phase;
  return `${doing} · ${state.turns} turn${state.turns === 1 ? "" : "s"} · ${units} units`;
}

function shown(workspace: string | null, file: string): string {
  if (workspace === null) return file;
  const rel = relative(workspace, file);
  return rel.startsWith("..") ? file : rel;
}

/** An ended agent's result for its parent: one header line, then its bounded report, inert. */
export function agentResultText(workspace: string | null, record: TaskRecord): string {
  const state = agentStateOf(record);
  const took =
    record.started_at && record.ended_at
      ? ` in ${formatDuration(Date.parse(record.ended_at) - Date.parse(record.started_at))}`
      : "";
  const label = record.description ?? "agent";
  const transcript = state?.transcript ? ` (transcript=${shown(workspace, state.transcript)})` : "";
  const branch = state?.branch ? ` | branch ${state.branch}` : "";
  const header = `[bg:${record.id}] agent ${agentStatus(record, state)}${took}: ${inertText(label)} | ${agentProgress(state && { ...state, phase: "completed" })}${branch}${transcript}`;
  const report = readTail(record.output_file, AGENT_REPORT_CHARS).text.trim();
  return report ? `${header}\n${inertText(report)}` : `${header} | no answer`;
}

/** A task in flight as a compaction keeps it: an agent by its label, a command by its command line. */
export function inFlightLine(record: TaskRecord): string {
  const what = record.type === "local_agent" ? `agent "${record.description ?? record.id}"` : record.command;
  return `[bg:${record.id}] still ${record.status}: ${what}`;
}

/** What a listing shows for a task: its command, or for an agent its label and live progress. */
export function taskLabel(record: TaskRecord): string {
  if (record.type !== "local_agent") return record.command;
  const state = agentStateOf(record);
  const status = state && !isTerminal(record.status) ? "" : ` ${agentStatus(record, state)},`;
  return `agent "${record.description ?? record.id}" (${status.trim()}${status ? " " : ""}${agentProgress(state)})`;
}
