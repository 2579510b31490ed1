import { CommanderError } from "commander";
import type { MissingApiKeyError } from "../model/create-provider.js";
import type { TaskNotFoundError } from "../lanes/task-not-found.js";
import { missingKeyText } from "./missing-key-text.js";
import { taskNotFoundText } from "./task-not-found-text.js";
import { closest } from "./suggest.js";
import type { ConfigError } from "../config/config.js";
import { configErrorText } from "./config-error-text.js";

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

/** The command a parse error happened in: `lanes` or `lanes tasks`, its subcommands, the words it got. */
export interface ParseContext {
  name: string;
  subcommands: readonly string[];
  operands: readonly string[];
}

/** Words from git, docker and ps for what `lanes tasks` does: the lanes command that does it. */
const TASK_WORDS: Record<string, string> = {
  logs: "tasks logs",
  kill: "tasks kill",
  show: "tasks show",
  prune: "tasks prune",
  ps: "tasks",
  ls: "tasks",
  list: "tasks",
  jobs: "tasks",
};

/** A word where a command was expected: name the valid ones (and the likely one), or point a prompt at -p. */
function notACommand(context: ParseContext): string {
  const words = context.operands.join(" ");
  const [first = ""] = context.operands;
  const commands = context.subcommands.join(", ");
  const guess = closest(first, context.subcommands);
  const didYouMean = guess ? `did you mean ${context.name} ${guess}? ` : "";
  if (context.name === "lanes tasks" && TASK_WORDS[first] === "tasks")
    return `"${first}" is not a command of lanes tasks: its commands are ${commands}; lanes tasks alone lists the tasks (--all: the ended ones too)`;
  if (context.name !== "lanes")
    return `"${first}" is not a command of ${context.name}: ${didYouMean}its commands are ${commands} (see ${context.name} --help)`;
  const taskCommand = Object.hasOwn(TASK_WORDS, first) ? TASK_WORDS[first] : undefined;
  if (taskCommand !== undefined)
    return `"${words}" is not a command: did you mean ${["lanes", taskCommand, ...context.operands.slice(1)].join(" ")}? (see lanes tasks --help)`;
  const looksLikeWord = context.operands.length === 1 && /^[\w-]+$/.test(first);
  if (looksLikeWord)
    return `"${first}" is not a command: ${didYouMean}the commands are ${commands}; to send it to the model: lanes -p "${first}" ${SEE_HELP}`;
  return `"${words}" is not a command; to run a prompt, use -p: lanes -p "${words}" ${SEE_HELP}`;
}

/** A commander parse error as one line: "unknown option '--foo'", without its "error: " prefix. */
function commanderLine(error: CommanderError, context: ParseContext): string {
  if (error.code === "commander.excessArguments" || error.code === "commander.unknownCommand")
    return notACommand(context);
  if (error.code === "commander.missingArgument") {
    // The help of the command that wants it, not of lanes; a task id is found in the listing.
    const where = context.name.startsWith("lanes tasks ") ? ": lanes tasks --all lists the ids" : "";
    return `${error.message.replace(/^error: /, "").replace(/\.$/, "")}${where} (see ${context.name} --help)`;
  }
  const line = error.message
    .replace(/^error: /, "")
    .replace(/\.$/, "")
    // Commander puts its guess on a second line and starts a value's reason as a new sentence.
    .replace(/\s*\n\(Did you mean (.*?)\)/, " (did you mean $1)")
    .replace(/ is invalid\. (\w)/, (_, first: string) => ` is invalid: ${first.toLowerCase()}`);
  return `${line} ${SEE_HELP}`;
}

/**
 * What the CLI prints for an error that ended it, and its exit code: 0 for --help and --version (commander
 * ends those by throwing), 2 for a usage problem, 1 for a failure. One line (no key: three, with the next steps), never a stack trace.
 */
export function describeFailure(error: unknown, context: ParseContext): { line?: string; code: number } {
  if (error instanceof CommanderError) {
    if (error.exitCode === 0) return { code: 0 };
    return { line: `lanes: ${commanderLine(error, context)}`, code: 2 };
  }
  const { name, message } = error instanceof Error ? error : new Error(String(error));
  if (name === "MissingApiKeyError")
    return { line: missingKeyText((error as MissingApiKeyError).provider), code: 2 };
  if (name === "TaskNotFoundError") return { line: taskNotFoundText(error as TaskNotFoundError), code: 1 };
  if (name === "ScriptFileError")
    return {
      line: `lanes: ${message} (each turn has text, tool_calls and delay_ms: "A scripted model" in the README)`,
      code: 2,
    };
  if (name === "SessionNotFoundError")
    return {
      line: `lanes: ${message}; lanes --resume (without an id) lists the saved conversations`,
      code: 2,
    };
  // By name, as the others: importing config.js here would load zod before every command.
  if (name === "ConfigError" && "problems" in (error as object))
    return { line: configErrorText(error as ConfigError), code: 2 };
  if (name === "UsageError") return { line: `lanes: ${message} ${SEE_HELP}`, code: 2 };
  return { line: `lanes: ${message}`, code: USAGE_ERRORS.has(name) ? 2 : 1 };
}
