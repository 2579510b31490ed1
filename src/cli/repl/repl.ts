import { ApprovalPrompt } from "./approval-prompt.js";
import { Repl } from "./controller.js";
import { TurnRunner } from "./turn.js";
import { writeQuestion } from "./write-question.js";
import { relayAgentQuestions } from "./agent-questions.js";
import { shownModel } from "./model-command.js";
import { LiveView, PlainView, type ReplView } from "./view.js";
import { laneEventLine } from "../../present/terminal-lines.js";
import { Session, type SessionChoice } from "../../session/session.js";
import { installShutdownHandlers } from "../shutdown-handlers.js";
import { statusText } from "./status-line.js";
import { leavingLines, replayTranscript } from "./transcript.js";
import { colorsEnabled, createStyle } from "../../text/style.js";
import { count } from "../../text/count.js";

export type ReplOptions = SessionChoice;

/**
 * The interactive loop. On a terminal: a live area (spinner, running lanes, prompt) under the transcript,
 * keys read in raw mode. From a pipe: one message per line (a trailing `\` continues it), plain output.
 */
export async function runRepl(options: ReplOptions): Promise<number> {
  // A dumb terminal (Emacs shell mode) cannot move the cursor: it gets the line-by-line REPL.
  const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY) && process.env.TERM !== "dumb";
  const colors = colorsEnabled(process.stdout, process.env);
  const style = createStyle(colors);
  // The sink and the hook are called only once a turn runs, after `turns` exists.
  const session: Session = new Session({
    ...options,
    idleWake: false,
    emit: (event) => turns.onEvent(event),
    bash: { moveToBackground: () => turns.moves.next() },
    // From a pipe there is nobody to answer: what would be a question is refused to the model.
    approvals: {
      mode: options.config.approval ?? "on-request",
      approver: interactive ? (request, signal) => approvals.ask(request, signal) : undefined,
      remember: (prefix) => approvals.remember(options.workspace)(prefix),
    },
    ...(interactive && {
      writeApprover: (change, signal) => writeQuestion(approvals, view, style)(change, signal),
    }),
  });
  const view: ReplView = interactive
    ? new LiveView(process.stdout, style, (width) => statusText(session.lanes.active(), width, Date.now()))
    : new PlainView(process.stdout);
  const turns = new TurnRunner(view, style, colors && interactive);
  const approvals = new ApprovalPrompt(view, style, (open) => turns.questionOpen(open));
  // SIGTERM/SIGHUP stop the turn at once (no model request after the signal), then the lanes shut down.
  installShutdownHandlers(session.lanes, () => turns.cancel());
  session.lanes.subscribe((event) => {
    // A task background_run starts is already on screen as the tool call and its result.
    const shown = !(event.type === "task-start" && turns.currentTool === "background_run");
    const line = laneEventLine(event, style);
    // An end wait_background is waiting for is said by its reply (HeldEndLines).
    if (line && event.type === "task-end" && turns.currentTool === "wait_background")
      turns.endLines.hold(event.record.id, line);
    else if (line && shown) view.notice(line);
    if (event.type !== "notification") view.refreshStatus();
  });
  view.notice(style.bold("lanes") + style.dim(` · ${shownModel(session)} · ${options.workspace}`));
  const modes = `sandbox ${options.config.sandbox} · approval ${options.config.approval ?? "on-request"}`;
  view.notice(style.dim(modes));
  view.notice(style.dim("/help · Ctrl+C cancel · Ctrl+B background a running command · Ctrl+D exit"));
  // A resumed conversation shows where it stands, as its turns looked when they ran.
  const replay = options.resume === undefined ? "" : replayTranscript(session.messages, style);
  if (replay !== "") view.notice(`${style.dim(`Resumed session ${session.id}:`)}\n${replay}`);
  const repl = new Repl(session, view, style, turns, approvals, options.config.wake_on_result);
  // Background agents' approval questions are asked here, naming the agent; from a pipe they are refused.
  const stopQuestions = interactive ? relayAgentQuestions(session, approvals) : undefined;
  await (interactive ? repl.fromTerminal() : repl.fromPipe());
  stopQuestions?.();
  view.setInput(undefined);
  view.setHint(undefined);
  const running = session.lanes.active().filter((record) => !record.persist).length;
  if (running > 0) view.notice(style.dim(`Ending ${count(running, "background task")}…`));
  const kept = session.lanes.active().filter((record) => record.persist);
  await session.close();
  for (const line of leavingLines(kept, session.saved ? session.id : undefined)) view.notice(style.dim(line));
  view.close();
  return 0;
}
