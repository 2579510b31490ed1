import { join } from "node:path";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { finalText } from "../agent/conversation.js";
import { AgentRunError } from "../agent/loop.js";
import { createProvider } from "../model/create-provider.js";
import { Session } from "./session.js";
import { agentsDir, type AgentPhase } from "../lanes/agent-state.js";
import { readAgentSpec, type AgentSpec } from "../agents/agent-spec.js";
import { reportText, saveResult } from "../agents/agent-report.js";
import { AgentStateWriter } from "../agents/agent-state-writer.js";
import { AgentBudget, BudgetExceededError } from "../agents/budget.js";
import { budgetedProvider } from "../agents/budgeted-provider.js";
import { commonGitDir, finishWorktree } from "../agents/worktree.js";
import { relayAsker, type RelayAsk } from "../agents/approval-relay.js";
import { watchAgentQuestions } from "../agents/relay-questions.js";
import { adoptParentProbe } from "../agents/agent-probe.js";

/** Exit status of a worker, read by nobody but people: the phase in its state and report says it all. */
const EXIT: Record<AgentPhase, number> = {
  starting: 1,
  thinking: 1,
  tool: 1,
  waiting: 1,
  completed: 0,
  failed: 1,
  budget_exceeded: 3,
  killed: 143,
};

export interface AgentWorker {
  /** Resolves with the exit status once the agent ended and its report is printed. */
  done: Promise<number>;
  /** A kill: no model request leaves after this, its own tasks are ended, its state says killed. */
  stop(): Promise<void>;
}

/**
 * The process behind one `agent_run` task: a session of its own in the agent's workspace (the worktree for
 * isolation "worktree"), run like `-p` until the model is done and nothing of its own runs, under budgets.
 */
export function startAgentWorker(
  specFile: string,
  id: string,
  io: { stdin: Readable; write: (text: string) => void; env: NodeJS.ProcessEnv; ownerPid: number },
): AgentWorker {
  const spec = readAgentSpec(specFile);
  adoptParentProbe(specFile, spec.sandbox_probe);
  const limits = spec.config.agents;
  const budget = new AgentBudget(
    {
      maxTurns: spec.max_turns,
      maxTokenUnits: limits.max_token_units,
      maxWallMs: spec.max_wall_ms,
      treeMaxTokenUnits: limits.tree_max_token_units,
    },
    { stateDir: spec.state_dir, root: spec.root, self: id },
  );
  const writer = new AgentStateWriter(id, spec, budget);
  const controller = new AbortController();
  let stopped = false;
  let session: Session | undefined;
  // With a person to ask (the REPL), its questions and its own agents' go up through its files.
  const ask = spec.ask_parent ? relayAsker(spec.state_dir, { id, description: spec.description }) : undefined;
  let stopRelay = (): void => undefined;
  const done = (async (): Promise<number> => {
    session = await openSession(spec, id, budget, writer, () => stopped, io, ask);
    if (ask) stopRelay = relayFromOwnAgents(spec.state_dir, session, ask);
    const messages = queueStdin(io.stdin);
    writer.update({
      transcript: join(agentsDir(spec.state_dir), id, "sessions", `${session.id}.jsonl`),
      worker: { pid: io.ownerPid, lanes_dir: session.lanes.store.lanesDir },
    });
    let phase: AgentPhase = "completed";
    try {
      let result = await session.send(spec.prompt, controller.signal);
      // Messages sent meanwhile (send_background_input) are its next turns.
      while (!stopped && result.stop === "end_turn" && messages.length > 0)
        result = await session.send(messages.shift()!, controller.signal);
      if (result.stop === "max_turns") {
        phase = "budget_exceeded";
        writer.update({ budget: { limit: "max_turns", max: spec.max_turns, used: budget.turns } });
      } else if (result.stop === "cancelled") phase = "killed";
    } catch (error) {
      const cause = error instanceof AgentRunError ? error.cause : error;
      if (cause instanceof BudgetExceededError) {
        phase = "budget_exceeded";
        writer.update({ budget: { limit: cause.limit, max: cause.max, used: Math.round(cause.used) } });
      } else phase = stopped ? "killed" : "failed";
      if (phase === "failed") io.write(`agent error: ${(error as Error).message}\n`);
    }
    stopRelay();
    if (stopped) return EXIT.killed;
    const text = finalText(session.messages);
    await session.close();
    const branch = spec.worktree ? await keepOrRemove(spec, io.write) : undefined;
    const resultFile = saveResult(spec.state_dir, id, text);
    writer.update({
      phase,
      result_file: resultFile,
      ...(spec.worktree && { branch: branch ?? null, worktree: branch ? spec.worktree.path : null }),
    });
    io.write(`${reportText(writer.state, text, resultFile)}\n`);
    return EXIT[phase];
  })();
  return {
    done,
    async stop(): Promise<void> {
      stopped = true;
      controller.abort();
      stopRelay();
      writer.update({ phase: "killed" });
      if (session) await closeBefore(session, Math.floor(spec.config.kill_grace_ms * 0.75));
    },
  };
}

async function openSession(
  spec: AgentSpec,
  id: string,
  budget: AgentBudget,
  writer: AgentStateWriter,
  stopped: () => boolean,
  { env, ownerPid }: { env: NodeJS.ProcessEnv; ownerPid: number },
  ask: RelayAsk | undefined,
): Promise<Session> {
  const readOnly = spec.tools === "read-only";
  const writableRoots = spec.worktree
    ? [...spec.config.sandbox_writable_roots, await commonGitDir(spec.workspace)]
    : spec.config.sandbox_writable_roots;
  const config = {
    ...spec.config,
    // The loop's own limit is the budget's: reaching it is budget_exceeded, checked by the provider.
    max_turns: spec.max_turns,
    // Its parent's KILL follows its TERM after kill_grace_ms: its own tasks get their KILL before that.
    kill_grace_ms: Math.floor(spec.config.kill_grace_ms / 2),
    sandbox: readOnly ? ("read-only" as const) : spec.config.sandbox,
    sandbox_writable_roots: writableRoots,
  };
  const inner = createProvider({ model: spec.model ?? config.model, env, provider: spec.provider });
  const provider = budgetedProvider(inner, budget, stopped, () => writer.update({}));
  // The events may come before the constructor returns: the session is read through this holder.
  const holder: { session?: Session } = {};
  holder.session = new Session({
    workspace: spec.workspace,
    env,
    ownerPid,
    config,
    idleWake: true,
    provider,
    ...(spec.provider !== undefined && { providerName: spec.provider }),
    emit: (event) => writer.observe(event, () => holder.session?.lanes.active().map((r) => r.id) ?? []),
    // With a person to ask (the REPL), its questions go there; else they are refused with the reason.
    approvals: {
      mode: config.approval ?? "on-request",
      ...(ask && { approver: (request, signal) => ask(request, [], signal) }),
    },
    agent: {
      transcriptsIn: join(agentsDir(spec.state_dir), id),
      context: {
        depth: spec.depth,
        root: spec.root,
        self: id,
        stateDir: spec.state_dir,
        config: spec.config,
        ...(spec.model !== undefined && { model: spec.model }),
        ...(spec.provider !== undefined && { provider: spec.provider }),
        env,
        readOnly,
        ...(ask && { canAsk: true }),
      },
    },
  });
  return holder.session;
}

/** Its own agents' questions, relayed up naming the chain; the answer goes back down. */
function relayFromOwnAgents(stateDir: string, session: Session, ask: RelayAsk): () => void {
  const agents = (): string[] =>
    session.lanes
      .active()
      .filter((record) => record.type === "local_agent")
      .map((record) => record.id);
  return watchAgentQuestions(stateDir, agents, (question, signal) =>
    ask(question.request, [question.agent, ...question.chain], signal),
  );
}

/**
 * Its parent's KILL lands kill_grace_ms after the TERM: on a loaded machine the graceful close may not be
 * done by then, so at the deadline its tasks get KILL at once and their records are written synchronously.
 */
async function closeBefore(session: Session, deadlineMs: number): Promise<void> {
  const late = new AbortController();
  const deadline = sleep(deadlineMs, undefined, { signal: late.signal }).then(
    () => session.lanes.shutdownSync(),
    () => undefined,
  );
  await Promise.race([session.close(), deadline]);
  late.abort();
}

/** Lines arriving on stdin (send_background_input), each one user message for a later turn. */
function queueStdin(stdin: Readable): string[] {
  const queued: string[] = [];
  const lines = createInterface({ input: stdin });
  lines.on("line", (line) => {
    if (line.trim()) queued.push(line);
  });
  // No more input (the parent closed it, or crashed): the agent goes on with what it has.
  lines.on("error", () => undefined);
  return queued;
}

/** The worktree's fate; one that cannot be checked is kept (and said so in the log), never removed blindly. */
async function keepOrRemove(spec: AgentSpec, write: (text: string) => void): Promise<string | undefined> {
  const worktree = spec.worktree!;
  try {
    return await finishWorktree(worktree);
  } catch (error) {
    write(`lanes: kept the worktree ${worktree.path}: ${(error as Error).message}\n`);
    return worktree.branch;
  }
}
