import { createInterface, type Interface } from "node:readline";
import type { AgentEvent } from "../agent/events.js";
import type { LanesConfig } from "../config/config.js";
import { ModelError } from "../model/types.js";
import { formatTaskList, showLogs } from "./tasks-command.js";
import { laneEventLine, renderAgentEvent } from "./render-events.js";
import { installShutdownHandlers, Session } from "./session.js";
import { colorsEnabled, createStyle } from "./style.js";
import { summaryLine } from "../lanes/format.js";

export interface ReplOptions {
  workspace: string;
  config: LanesConfig;
  model?: string;
}

const HELP = `Commands:
  /tasks             list background tasks
  /tasks kill ID     end a task and its process group
  /tasks logs ID     show the end of a task's log
  /clear             start a new conversation (tasks keep running)
  /help              this help
  /exit              quit (running tasks are ended)
Ctrl+C cancels the model's turn (background tasks keep running); twice at the prompt exits. Ctrl+D exits.`;

/** The interactive loop: one prompt, one agent run, background completions shown as they happen. */
export async function runRepl(options: ReplOptions): Promise<number> {
  const style = createStyle(colorsEnabled(process.stdout));
  const out = (text: string): void => void process.stdout.write(text);
  let busy = false;
  const emit = (event: AgentEvent): void => renderAgentEvent(event, style, out);
  const session = new Session({ ...options, idleWake: false, emit });
  installShutdownHandlers(session.lanes);
  const rl: Interface = createInterface({
    input: process.stdin,
    output: process.stdout,
    prompt: style.cyan("› "),
    historySize: 500,
  });
  session.lanes.subscribe((event) => {
    const line = laneEventLine(event, style);
    if (!line) return;
    if (busy) out(`${line}\n`);
    else {
      // At the prompt: print above it and redraw what the user was typing.
      out(`\r\u001b[2K${line}\n`);
      rl.prompt(true);
    }
  });
  out(
    style.bold(`lanes`) +
      style.dim(` · ${session.provider.name}:${session.provider.model} · ${options.workspace}\n`) +
      style.dim("Type /help for commands.\n"),
  );
  let turn: AbortController | undefined;
  let lastInterrupt = 0;
  rl.on("SIGINT", () => {
    if (turn) {
      turn.abort();
      out(style.yellow("\n(cancelled; background tasks keep running)\n"));
      return;
    }
    if (Date.now() - lastInterrupt < 2000) rl.close();
    else {
      lastInterrupt = Date.now();
      out(style.dim("\n(press Ctrl+C again to exit)\n"));
      rl.prompt();
    }
  });
  rl.prompt();
  for await (const line of rl) {
    const input = line.trim();
    if (input.length === 0) {
      rl.prompt();
      continue;
    }
    if (input.startsWith("/")) {
      if (await handleCommand(input, session, out)) break;
      rl.prompt();
      continue;
    }
    busy = true;
    turn = new AbortController();
    try {
      await session.send(input, turn.signal);
    } catch (error) {
      const message = error instanceof ModelError ? error.message : (error as Error).message;
      out(
        style.red(`Error: ${message}\n`) +
          style.dim("The conversation is kept; send another message to go on.\n"),
      );
    } finally {
      busy = false;
      turn = undefined;
    }
    rl.prompt();
  }
  out(style.dim("Ending background tasks…\n"));
  await session.close();
  return 0;
}

/** Handles a slash command; returns true when the REPL should exit. */
async function handleCommand(input: string, session: Session, out: (text: string) => void): Promise<boolean> {
  const [command, sub, id] = input.split(/\s+/);
  switch (command) {
    case "/exit":
    case "/quit":
      return true;
    case "/help":
      out(`${HELP}\n`);
      return false;
    case "/clear":
      session.messages.length = 0;
      out("Conversation cleared.\n");
      return false;
    case "/tasks":
      if (sub === "kill" && id) {
        if (!session.lanes.get(id)) out(`No task ${id}.\n`);
        else out(`${summaryLine((await session.lanes.kill(id)).record)}\n`);
      } else if (sub === "logs" && id) {
        await showLogs(session.workspace(), id, false, out).catch((error: Error) =>
          out(`${error.message}\n`),
        );
        out("\n");
      } else out(`${formatTaskList(session.lanes.list(), true)}\n`);
      return false;
    default:
      out(`Unknown command ${command}. Type /help.\n`);
      return false;
  }
}
