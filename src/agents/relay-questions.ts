import type { ApprovalAnswer } from "../approval/gate.js";
import { answerQuestion, openQuestions, type AgentQuestion } from "./approval-relay.js";

const POLL_MS = 200;

/**
 * Watches the open questions of `agents()` (a session's own agents) and hands each one, once, to `ask`;
 * its answer goes back to the agent that waits on it. Returns the stop function: stopping answers nothing.
 */
export function watchAgentQuestions(
  lanesDir: string,
  agents: () => string[],
  ask: (question: AgentQuestion, signal: AbortSignal) => Promise<ApprovalAnswer>,
): () => void {
  const controller = new AbortController();
  const asking = new Set<string>();
  const poll = (): void => {
    for (const question of openQuestions(lanesDir, agents())) {
      const key = `${question.agent.id}:${question.seq}`;
      if (asking.has(key)) continue;
      asking.add(key);
      void ask(question, controller.signal).then((answer) => {
        if (!controller.signal.aborted) answerQuestion(lanesDir, question, answer);
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
