import { checkCommand } from "./command-guard.js";
import { ToolError } from "./define-tool.js";

/** The one place both `bash` and `background_run` (and the CLI's `run`) consult the guard. */
export function assertCommandAllowed(command: string): void {
  const verdict = checkCommand(command);
  if (!verdict.allowed) throw new ToolError(`Command refused by the safety guard: ${verdict.reason}`);
}
