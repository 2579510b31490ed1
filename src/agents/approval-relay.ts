import { readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import * as z from "zod";
import type { ApprovalAnswer, ApprovalRequest } from "../approval/gate.js";
import { agentsDir } from "../lanes/agent-state.js";

// A background agent has no terminal: its question goes to the REPL that started it through two files
// under .lanes/agents/ (ID.ask.json written by the worker, ID.answer.json by the REPL), one question at a time.

const POLL_MS = 200;

const AgentNameSchema = z.object({ id: z.string(), description: z.string().nullable() });

const QuestionSchema = z.object({
  seq: z.number().int(),
  /** The agent whose files these are: the asker's own session started it. */
  agent: AgentNameSchema,
  /** A nested agent's question, relayed up: the agents below `agent`, down to the one that asks. */
  chain: z.array(AgentNameSchema).default([]),
  request: z.object({
    kind: z.enum(["escalate", "untrusted", "guard"]),
    command: z.string(),
    reason: z.string().optional(),
    prefix: z.string().optional(),
  }),
});
const AnswerSchema = z.object({ seq: z.number().int(), answer: z.enum(["once", "prefix", "no"]) });

/** One agent's open question, as the REPL reads it. */
export type AgentQuestion = z.infer<typeof QuestionSchema>;

const askFile = (lanesDir: string, id: string): string => join(agentsDir(lanesDir), `${id}.ask.json`);
const answerFile = (lanesDir: string, id: string): string => join(agentsDir(lanesDir), `${id}.answer.json`);

function writeAtomically(file: string, value: unknown): void {
  writeFileSync(`${file}.tmp`, JSON.stringify(value), { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

function readJson<T>(file: string, schema: z.ZodType<T>): T | undefined {
  try {
    return schema.parse(JSON.parse(readFileSync(file, "utf8")));
  } catch {
    return undefined;
  }
}

/** Asks through the agent's files; `chain` names the nested agent a relayed question comes from. */
export type RelayAsk = (
  request: ApprovalRequest,
  chain: AgentQuestion["chain"],
  signal: AbortSignal,
) => Promise<ApprovalAnswer>;

/**
 * The worker's side: its own questions and those it relays from its agents go up one at a time (the file
 * holds one), each waiting for the answer; its signal (a kill) is a no.
 */
export function relayAsker(lanesDir: string, agent: AgentQuestion["agent"]): RelayAsk {
  let seq = 0;
  let turn: Promise<unknown> = Promise.resolve();
  const askNow = async (
    request: ApprovalRequest,
    chain: AgentQuestion["chain"],
    signal: AbortSignal,
  ): Promise<ApprovalAnswer> => {
    const question: AgentQuestion = { seq: ++seq, agent, chain, request };
    writeAtomically(askFile(lanesDir, agent.id), question);
    try {
      while (!signal.aborted) {
        const reply = readJson(answerFile(lanesDir, agent.id), AnswerSchema);
        if (reply?.seq === question.seq) return reply.answer;
        await sleep(POLL_MS, undefined, { signal }).catch(() => undefined);
      }
      return "no";
    } finally {
      rmSync(askFile(lanesDir, agent.id), { force: true });
      rmSync(answerFile(lanesDir, agent.id), { force: true });
    }
  };
  return (request, chain, signal) => {
    const asked = turn.then(() => (signal.aborted ? "no" : askNow(request, chain, signal)));
    turn = asked.catch(() => undefined);
    return asked;
  };
}

/** The open questions of these agents (the REPL's own), oldest agent first. */
export function openQuestions(lanesDir: string, ids: readonly string[]): AgentQuestion[] {
  let names: string[];
  try {
    names = readdirSync(agentsDir(lanesDir));
  } catch {
    return [];
  }
  return ids
    .filter((id) => names.includes(`${id}.ask.json`))
    .flatMap((id) => readJson(askFile(lanesDir, id), QuestionSchema) ?? []);
}

export function answerQuestion(lanesDir: string, question: AgentQuestion, answer: ApprovalAnswer): void {
  writeAtomically(answerFile(lanesDir, question.agent.id), { seq: question.seq, answer });
}
