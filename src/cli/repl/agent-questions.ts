import type { AgentQuestion } from "../../agents/approval-relay.js";
import { watchAgentQuestions } from "../../agents/relay-questions.js";
import type { Session } from "../../session/session.js";
import type { ApprovalPrompt } from "./approval-prompt.js";
import { terminalSafe } from "../../text/width.js";

/**
 * The question's first line names the agent, and for a nested one the chain down to it:
 * `agent 3f2a (fix tests) › agent 9b1c (lint) wants to run this outside the sandbox:`
 */
function heading(question: AgentQuestion): string {
  const names = [question.agent, ...question.chain].map(
    ({ id, description }) => `agent ${id}${description ? ` (${description})` : ""}`,
  );
  const who = terminalSafe(names.join(" › ")).replace(/\s+/g, " ");
  if (question.request.kind === "escalate") return `${who} wants to run this outside the sandbox:`;
  if (question.request.kind === "guard") return `${who}: the safety guard flags this command`;
  return `${who} wants to run this (approval: untrusted):`;
}

/**
 * Asks the person, in the REPL's approval question, what this session's background agents (and theirs,
 * relayed by their workers) want approved. Returns the stop function; stopping answers nothing.
 */
export function relayAgentQuestions(session: Session, approvals: ApprovalPrompt): () => void {
  const agents = (): string[] =>
    session.lanes
      .active()
      .filter((record) => record.type === "local_agent")
      .map((record) => record.id);
  return watchAgentQuestions(session.lanes.store.lanesDir, agents, (question, signal) =>
    approvals.ask({ ...question.request, heading: heading(question) }, signal),
  );
}
