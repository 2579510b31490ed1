import type { AgentEvent } from "../agent/events.js";
import { finalText } from "../agent/conversation.js";
import { AgentRunError, type AgentRunResult } from "../agent/loop.js";
import type { ModelProvider } from "../model/types.js";
import { Session, type SessionChoice } from "../session/session.js";
import { installShutdownHandlers } from "./shutdown-handlers.js";
import { summarize } from "./run-summary.js";
import { displayCommand } from "../present/task-text.js";
import { modelFailureHint } from "./model-failure-hint.js";
import { count } from "../text/count.js";

export type OutputFormat = "text" | "json" | "stream-json";

export interface PrintOptions extends SessionChoice {
  prompt: string;
  format: OutputFormat;
  provider?: ModelProvider;
  /** Extra event consumer (the demo's timeline). */
  onEvent?: (event: AgentEvent) => void;
  write?: (line: string) => void;
  /** Say on stderr what -p waits for once the model stopped (default: when stderr is a terminal). */
  waitNotes?: boolean;
}

/** Exit status of a run the user interrupted (Ctrl+C), as a shell reports SIGINT. */
const INTERRUPTED = 130;

/** `lanes -p`: one task, no prompts. Resolves with the exit code: 0 success, 1 the run failed, 130 Ctrl+C. */
export async function runPrintMode(options: PrintOptions): Promise<number> {
  const startedAt = Date.now();
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const streaming = options.format === "stream-json";
  const waitNotes = options.waitNotes ?? process.stderr.isTTY === true;
  const emit = (event: AgentEvent): void => {
    options.onEvent?.(event);
    if (event.type === "idle-wait" && waitNotes) process.stderr.write(`${waitingLine(session, options)}\n`);
    if (streaming && event.type !== "text-delta") write(JSON.stringify(event));
  };
  // Nobody to ask: escalation requests, untrusted-mode commands and guard hits are refused to the model.
  const approvals = { mode: options.config.approval ?? "never" } as const;
  const session = new Session({ ...options, idleWake: true, emit, approvals });
  const controller = new AbortController();
  // SIGTERM/SIGHUP stop the turn at once: no model request after the signal, whatever ends meanwhile.
  const removeHandlers = installShutdownHandlers(session.lanes, () => controller.abort());
  if (streaming) {
    // First, which run this is: the id to --resume it with, even when it fails before any answer.
    const { name: provider, model } = session.provider;
    write(
      JSON.stringify({
        type: "session-start",
        session_id: session.id,
        provider,
        model,
        cwd: options.workspace,
      }),
    );
    session.lanes.subscribe((event) => {
      if (event.type === "task-start" || event.type === "task-end") {
        const { id, command, status, exit_code, signal } = event.record;
        write(JSON.stringify({ type: event.type, id, command, status, exit_code, signal }));
      }
    });
  }
  let interrupted = false;
  const onInterrupt = (): void => {
    interrupted = true;
    controller.abort();
  };
  process.once("SIGINT", onInterrupt);
  let result: AgentRunResult | undefined;
  let text: string;
  let isError = false;
  let failure: unknown;
  try {
    result = await session.send(options.prompt, controller.signal);
    text = finalText(session.messages);
    if (result.stop === "max_turns") {
      isError = true;
      text = `${text}\n[stopped: reached --max-turns ${options.config.max_turns}]`.trim();
    } else if (result.stop === "cancelled") {
      isError = true;
      text = `${text}\n[cancelled]`.trim();
    }
  } catch (error) {
    isError = true;
    failure = error;
    // A model error mid-run: the turns, usage and tool calls until then are still reported.
    if (error instanceof AgentRunError) result = error.partial;
    text = `Error: ${(error as Error).message}`;
  } finally {
    process.off("SIGINT", onInterrupt);
  }
  if (session.hooks.expired.length > 0) {
    // Tasks the run started never finished: whatever the model said, the work is not done.
    isError = true;
    text =
      `${text}\n[--max-wait ran out: killed still-running background tasks ${session.hooks.expired.join(", ")}]`.trim();
  }
  await session.close();
  removeHandlers();
  const summary = summarize(
    { sessionId: session.id, result, text, isError },
    session.lanes.list(),
    startedAt,
  );
  if (options.format === "text") {
    if (isError) process.stderr.write(`${text}\n${failure === undefined ? "" : nextSteps(failure, session)}`);
    else write(text);
  } else {
    write(JSON.stringify(summary));
  }
  return interrupted ? INTERRUPTED : isError ? 1 : 0;
}

/** What -p is waiting for on a terminal, so a silent minute does not look like a hang. */
function waitingLine(session: Session, options: PrintOptions): string {
  const running = session.lanes.active().filter((record) => !record.persist);
  const seconds = Math.round(options.config.max_wait_ms / 1000);
  const tasks = running.map((record) => `${record.id} (${displayCommand(record.command, 40)})`).join(", ");
  return `lanes: waiting for ${count(running.length, "background task")} to end: ${tasks}; at most ${seconds} s (--max-wait), Ctrl+C stops them`;
}

/** After a failed model call: what to check, and that the conversation is saved to go on from. */
function nextSteps(failure: unknown, session: Session): string {
  const hint = modelFailureHint(failure, session.provider, process.env);
  const resume = `The conversation is saved: lanes --resume ${session.id} -p "..." goes on from it.`;
  return `${hint === undefined ? "" : `${hint}\n`}${resume}\n`;
}
