import type { LaneManager } from "../lanes/lane-manager.js";
import { readAgentState, type AgentPhase } from "../lanes/agent-state.js";
import { isTerminal } from "../lanes/task-record.js";
import { TaskStore } from "../lanes/task-store.js";
import { endMarkedProcesses } from "../process/marked-processes.js";

const CLEAN_ENDS = new Set<AgentPhase>(["completed", "failed", "budget_exceeded"]);

/**
 * The tasks an ended agent's worker left unfinished (it was KILLed before it could end and record them, as
 * on a loaded machine), its own agents' tasks too: KILL at once, and records that say killed, as the
 * worker's own shutdown writes them. Returns their ids.
 */
export function endSubtree(stateDir: string, agentId: string): string[] {
  const state = readAgentState(stateDir, agentId);
  const worker = state?.worker;
  // A worker writes these only after its own shutdown ended and recorded its tasks: no store read per end.
  if (!worker || CLEAN_ENDS.has(state.phase)) return [];
  const store = new TaskStore(worker.lanes_dir, { create: false });
  const orphans = store
    .loadAll()
    .records.filter(
      (record) => record.owner_pid === worker.pid && !record.persist && !isTerminal(record.status),
    );
  if (orphans.length === 0) return [];
  endMarkedProcesses(new Set(orphans.map((record) => record.id)), 0);
  const end = { status: "killed", exit_code: null, signal: "SIGKILL", end_reason: "shutdown" } as const;
  for (const record of orphans) store.saveSync({ ...record, ...end, ended_at: new Date().toISOString() });
  const below = orphans.filter((record) => record.type === "local_agent");
  return [...orphans.map((record) => record.id), ...below.flatMap((agent) => endSubtree(stateDir, agent.id))];
}

/** Whenever one of this session's agents ends, whatever its worker left running goes with it. */
export function endSubtreesOfEndedAgents(lanes: LaneManager, stateDir: string): void {
  lanes.subscribe((event) => {
    if (event.type === "task-end" && event.record.type === "local_agent")
      endSubtree(stateDir, event.record.id);
  });
}
