import { ToolError } from "../errors/tool-error.js";
import { checkCommand } from "../shell/guard.js";
import { assertCommandRunnable } from "../shell/runnable.js";

/** The CLI's `lanes run`: the user typed the command; the guard still refuses its well-known disasters. */
export function assertCommandAllowed(command: string): void {
  assertCommandRunnable(command);
  const verdict = checkCommand(command);
  if (!verdict.allowed) throw new ToolError(`Command refused by the safety guard: ${verdict.reason}`);
}
