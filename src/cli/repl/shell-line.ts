import { displayPath } from "../../present/task-text.js";
import { discardOutput, runForeground } from "../../lanes/foreground.js";
import type { Session } from "../../session/session.js";
import { readCommandOutput } from "../../tools/command-output.js";
import { terminalSafe } from "../../text/width.js";
import type { Style } from "../../text/style.js";
import type { ReplView } from "./view.js";

/**
 * `!cmd`: the user's own command, run as the model's are (in the sandbox, the workspace as cwd, output to a
 * file) but without a question, and shown here only: the model is not told (say so in a message if it
 * should know). Ctrl+C or Esc ends it.
 */
export async function runShellLine(
  command: string,
  session: Session,
  view: ReplView,
  style: Style,
  signal: AbortSignal,
) {
  if (command.trim() === "") {
    view.notice("Usage: !COMMAND runs a shell command in the sandbox (its output is not sent to the model).");
    return;
  }
  const outcome = await runForeground(session.lanes, { command, signal });
  const where = displayPath(session.workspace(), outcome.outputFile);
  const output = readCommandOutput(outcome.outputFile, where);
  if (output.text.length > 0) view.notice(terminalSafe(output.text.replace(/\n$/, "")));
  if (outcome.kind === "backgrounded") {
    view.notice(style.dim(`still running as task ${outcome.record.id} (/tasks)`));
    return;
  }
  const { result } = outcome;
  if (!output.truncated && typeof outcome.leftovers !== "object") discardOutput(outcome.outputFile);
  if (result.reason === "spawn_error")
    view.notice(style.red(`did not start: ${result.error ?? "spawn failed"}`));
  else if (result.reason === "killed") view.notice(style.yellow("cancelled (its process group was ended)"));
  else if (result.signal) view.notice(style.red(`terminated by ${result.signal}`));
  else if (result.exitCode !== 0) view.notice(style.red(`exit code ${result.exitCode ?? "unknown"}`));
}
