import { CommanderError } from "commander";

/** Errors that mean "you asked for something that cannot be done": one line, exit 2, no stack trace. */
const USAGE_ERRORS = new Set([
  "MissingApiKeyError",
  "ToolError",
  "SessionNotFoundError",
  "ConfigError",
  "ScriptFileError",
  "UsageError",
]);

const SEE_HELP = "(see lanes --help)";

/** A commander parse error as one line: "unknown option '--foo'", without its "error: " prefix. */
function commanderLine(error: CommanderError, operands: readonly string[]): string {
  if (error.code === "commander.excessArguments" || error.code === "commander.unknownCommand") {
    const words = operands.join(" ");
    return `"${words}" is not a command; to run a prompt, use -p: lanes -p "${words}" ${SEE_HELP}`;
  }
  return `${error.message.replace(/^error: /, "").replace(/\.$/, "")} ${SEE_HELP}`;
}

/**
 * What the CLI prints for an error that ended it, and its exit code: 0 for --help and --version (commander
 * ends those by throwing), 2 for a usage problem, 1 for a failure. One line, never a stack trace.
 */
export function describeFailure(
  error: unknown,
  operands: readonly string[],
): { line?: string; code: number } {
  if (error instanceof CommanderError) {
    if (error.exitCode === 0) return { code: 0 };
    return { line: `lanes: ${commanderLine(error, operands)}`, code: 2 };
  }
  const { name, message } = error instanceof Error ? error : new Error(String(error));
  if (name === "MissingApiKeyError") return { line: message, code: 2 };
  if (name === "ConfigError") return { line: `lanes: invalid configuration: ${message}`, code: 2 };
  if (name === "UsageError") return { line: `lanes: ${message} ${SEE_HELP}`, code: 2 };
  return { line: `lanes: ${message}`, code: USAGE_ERRORS.has(name) ? 2 : 1 };
}
