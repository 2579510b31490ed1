import { ToolError } from "../errors/tool-error.js";

/** Linux refuses to exec a single argument longer than 128 KiB (MAX_ARG_STRLEN, NUL included). */
export const MAX_COMMAND_BYTES = 128 * 1024 - 1;

/**
 * A command the kernel could not even start (a NUL byte, over the argument limit) is refused here with a
 * reason, rather than "run" as a task that fails with a spawn error.
 */
export function assertCommandRunnable(command: string): void {
  if (command.includes("\0"))
    throw new ToolError("`command` contains a NUL byte, which no shell command can hold");
  const bytes = Buffer.byteLength(command);
  if (bytes > MAX_COMMAND_BYTES) {
    throw new ToolError(
      `\`command\` is ${bytes} bytes; a command can be at most ${MAX_COMMAND_BYTES}. Write the script to a file and run the file.`,
    );
  }
}
