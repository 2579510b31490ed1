import { displayPath, summaryLine } from "../../present/task-text.js";
import { missingIdText, replTaskLines } from "../../present/task-listing.js";
import { killStoredTask } from "../../lanes/stored-tasks.js";
import { storedKillText } from "../../present/stored-kill-text.js";
import { lastLines } from "../../text/preview.js";
import { terminalSafe } from "../../text/width.js";
import { costLine } from "./cost-command.js";
import { modelCommand } from "./model-command.js";
import { resumeCommand } from "./resume-command.js";
import { agentTranscript } from "../../agents/agent-transcript.js";
import { undoCommand } from "./undo-command.js";
import { closest } from "../suggest.js";
import { SLASH_COMMANDS } from "./tab-complete.js";
import type { ReplView } from "./view.js";
import type { Session } from "../../session/session.js";
import type { Style } from "../../text/style.js";
import { readTail } from "../../text/utf8-window.js";
import { lookUpTask } from "./task-lookup.js";

export const HELP = `Commands:
  /tasks             list this session's background tasks and agents (agent_run), then other lanes' here
  /tasks kill ID     end a task and its whole process group, an agent with its own tasks (another lanes' too); wakes no turn
  /tasks logs ID     show the end of a task's output (an agent's: its conversation so far)
  /clear             clear the screen, start a new conversation (tasks go on)
  /compact           compact the conversation now (old outputs cleared, older turns summarised)
  /context           how full the context window is, and the share of prompt tokens read from cache
  /resume [N|ID]     list this workspace's saved conversations, or continue one
  /model [ID]        show the model, or switch to ID for the next messages
  /cost              this session's tokens in token-units, and the share read from cache
  /undo              restore the files the last message's edits changed (also /rewind)
  !COMMAND           run a shell command in the sandbox; its output is shown, not sent to the model
  /help              this help
  /exit              quit (running tasks are ended)
Keys:
  Enter          send; a line ending in \\ (or Alt+Enter) goes on to a new line
  Up/Down        earlier input (saved across sessions)
  Tab            complete a /command or an @path mention of a workspace file (the model gets the path)
  Ctrl+C, Esc    cancel the model's turn (tasks keep running); Ctrl+C twice: exit (running tasks end)
  Ctrl+B         move the running bash command into a background lane
  y / a, y / n   answer an approval question once it is armed: yes once / don't ask again (a, then y) / no
  Ctrl+D         exit; with tasks running it asks once (persisted tasks keep running)
  Ctrl+L         clear the screen    Ctrl+Z  suspend (where the shell has job control)`;

/** Lines of a log `/tasks logs` shows; the file holds the rest. */
const LOG_LINES = 40;

export interface CommandContext {
  session: Session;
  view: ReplView;
  style: Style;
  /** A model turn is running: commands that change the conversation wait. */
  busy: boolean;
  /** Where /tasks kill notes the tasks the person ended, whose end then wakes no model turn. */
  userKilled?: Set<string>;
}

/** Runs a slash command; resolves "exit" when the REPL should end. Errors are shown, never thrown. */
export async function runSlashCommand(input: string, context: CommandContext): Promise<"exit" | undefined> {
  const { view, style } = context;
  const [command = "", sub, id] = input.trim().split(/\s+/);
  switch (command) {
    case "/exit":
    case "/quit":
      return "exit";
    case "/help":
      view.notice(HELP);
      return undefined;
    case "/clear":
      if (context.busy) view.notice(style.yellow("A turn is running: Ctrl+C cancels it, then /clear."));
      else {
        context.session.startOver();
        view.clearScreen();
        view.notice(style.dim("New conversation (background tasks keep running)."));
      }
      return undefined;
    case "/compact":
      if (context.busy) view.notice(style.yellow("A turn is running: Ctrl+C cancels it, then /compact."));
      else {
        // The compaction event shows what it did (rendered like the loop's own events).
        await context.session
          .compact(new AbortController().signal)
          .catch((error: Error) => view.notice(style.red(`Compaction failed: ${error.message}`)));
      }
      return undefined;
    case "/context":
      view.notice(contextLine(context.session));
      return undefined;
    case "/tasks":
      await tasksCommand(sub, id, context).catch((error: Error) => view.notice(style.red(error.message)));
      return undefined;
    case "/resume":
      resumeCommand(sub, context.session, view, style, context.busy);
      return undefined;
    case "/model":
      modelCommand(sub, context.session, view, style, context.busy);
      return undefined;
    case "/cost":
      view.notice(costLine(context.session.usage));
      return undefined;
    case "/undo":
    case "/rewind":
      undoCommand(context.session, view, style, context.busy);
      return undefined;
    default:
      view.notice(unknownCommandText(command));
      return undefined;
  }
}

/** `/context`: the window's use (estimated for the next request) and this session's cache share. */
export function contextLine(session: Session): string {
  const { tokens, window } = session.contextUse();
  const { input_tokens, cache_creation_input_tokens, cache_read_input_tokens } = session.usage;
  const prompts = input_tokens + cache_creation_input_tokens + cache_read_input_tokens;
  const share =
    prompts === 0
      ? "no calls yet"
      : `${Math.round((100 * cache_read_input_tokens) / prompts)}% of ${prompts} prompt tokens read from cache`;
  return `context: ~${tokens} of ${window} tokens (${Math.round((100 * tokens) / window)}%) · ${share}`;
}

/** `/taks`: the command likely meant, when one is close; else the pointer to /help. */
function unknownCommandText(command: string): string {
  const guess = closest(command, SLASH_COMMANDS);
  return guess === undefined
    ? `Unknown command ${command}. Type /help.`
    : `Unknown command ${command}: did you mean ${guess}?`;
}

async function tasksCommand(sub: string | undefined, id: string | undefined, context: CommandContext) {
  const { session, view, style } = context;
  if (sub === undefined) {
    const records = session.lanes.list().sort((a, b) => a.created_at.localeCompare(b.created_at));
    for (const line of replTaskLines(records, session.lanes.otherTasks(), style)) view.notice(line);
    return;
  }
  if (sub !== "kill" && sub !== "logs") {
    view.notice("Usage: /tasks, /tasks kill ID, /tasks logs ID");
    return;
  }
  if (id === undefined)
    return view.notice(missingIdText(sub, session.lanes.list(), session.lanes.otherTasks()));
  const found = await lookUpTask(session, id);
  if ("missing" in found) return view.notice(found.missing);
  const { record } = found;
  // A unique prefix was given: the rest goes by the whole id.
  id = record.id;
  if (sub === "kill") {
    if (!session.lanes.get(id)) {
      // Another lanes' task: the user, who is here, may end it, as `lanes tasks kill` does.
      view.notice(
        storedKillText(
          await killStoredTask(session.workspace(), id, session.lanes.killGraceMs, session.lanes.ownerPid),
        ),
      );
      return;
    }
    // A task that was running reports its end as a lane event, like any other, but wakes no turn.
    context.userKilled?.add(id);
    const { record: ended, wasRunning } = await session.lanes.kill(id);
    if (!wasRunning) context.userKilled?.delete(id);
    if (!wasRunning) view.notice(`Task ${id} had already ended: ${terminalSafe(summaryLine(ended))}`);
    return;
  }
  // The last lines are all the REPL shows: read the tail, never a whole (maybe huge) log.
  const tail = readTail(record.output_file, 64 * 1024).text;
  // An agent's log is its conversation as it goes, then its report.
  const text = record.type === "local_agent" ? `${agentTranscript(record) ?? ""}${tail}` : tail;
  const clean = terminalSafe(text).replace(/\n$/, "");
  const where = displayPath(session.workspace(), record.output_file);
  if (clean.split("\n").length > LOG_LINES) view.notice(style.dim(`… (earlier output in ${where})`));
  view.notice(clean === "" ? style.dim("(no output yet)") : lastLines(clean, LOG_LINES));
}
