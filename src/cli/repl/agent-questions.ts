import { answerQuestion, openQuestions, type AgentQuestion } from "../../agents/approval-relay.js";
import type { Session } from "../../session/session.js";
import type { ApprovalPrompt } from "./approval-prompt.js";
import { terminalSafe } from "../../text/width.js";

const POLL_MS = 250;

/** The question's first line names the agent: `agent 3f2a (fix tests) wants to run this outside the sandbox:` */
function heading(question: AgentQuestion): string {
  const { id, description } = question.agent;
  const who = terminalSafe(`agent ${id}${description ? ` (${description})` : ""}`).replace(/\s+/g, " ");
  if (question.request.kind === "escalate") return `${who} wants to run this outside the sandbox:`;
  if (question.request.kind === "guard") return `${who}: the safety guard flags this command`;
  return `${who} wants to run this (approval: untrusted):`;
}

/**
 * Asks the person, in the REPL's approval question, what this session's background agents want approved
 * (their workers wait on the answer file). Returns the stop function; stopping answers nothing.
 */
export function relayAgentQuestions(session: Session, approvals: ApprovalPrompt): () => void {
  const controller = new AbortController();
  const asking = new Set<string>();
  const poll = (): void => {
    const agents = session.lanes
      .active()
      .filter((record) => record.type === "local_agent")
      .map((record) => record.id);
    for (const question of openQuestions(session.lanes.store.lanesDir, agents)) {
      const key = `${question.agent.id}:${question.seq}`;
      if (asking.has(key)) continue;
      asking.add(key);
      void approvals
        .ask({ ...question.request, heading: heading(question) }, controller.signal)
        .then((answer) => {
          if (!controller.signal.aborted) answerQuestion(session.lanes.store.lanesDir, question, answer);
        });
    }
  };
  const timer = setInterval(poll, POLL_MS);
  timer.unref();
  return () => {
    controller.abort();
    clearInterval(timer);
  };
}
