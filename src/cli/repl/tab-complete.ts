import { readdirSync } from "node:fs";
import { isAbsolute, relative, resolve } from "node:path";

/** Every slash command the REPL knows, for Tab. */
export const SLASH_COMMANDS = [
  "/tasks",
  "/clear",
  "/compact",
  "/context",
  "/undo",
  "/rewind",
  "/resume",
  "/model",
  "/cost",
  "/help",
  "/exit",
];

/** Names listed when a Tab is ambiguous; a huge folder is not drawn whole. */
const MAX_LISTED = 30;

export interface Completion {
  /** The input with the word completed as far as it is unambiguous. */
  text: string;
  cursor: number;
  /** The choices when more than one remains (shown to the user), else empty. */
  choices: string[];
}

function commonPrefix(words: string[]): string {
  let prefix = words[0] ?? "";
  for (const word of words) while (!word.startsWith(prefix)) prefix = prefix.slice(0, -1);
  return prefix;
}

/** Entries of the folder `@dir/part` names inside the workspace (never outside it), folders with a `/`. */
function pathChoices(workspace: string, typed: string): string[] {
  const slash = typed.lastIndexOf("/");
  const folder = typed.slice(0, slash + 1);
  const part = typed.slice(slash + 1);
  const dir = resolve(workspace, folder === "" ? "." : folder);
  const inside = relative(workspace, dir);
  if (isAbsolute(typed) || inside.startsWith("..") || isAbsolute(inside)) return [];
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.name.startsWith(part) && (part.startsWith(".") || !entry.name.startsWith(".")))
      .map((entry) => folder + entry.name + (entry.isDirectory() ? "/" : ""))
      .sort();
  } catch {
    return [];
  }
}

/**
 * Tab at the cursor: a slash command at the start of the input, or an `@path` mention of a workspace file.
 * The mention stays as written (the model gets the path, not the file). Undefined: nothing to complete.
 */
export function completeAt(text: string, cursor: number, workspace: string): Completion | undefined {
  const before = text.slice(0, cursor);
  const word = /(^|\s)(\S*)$/.exec(before)?.[2] ?? "";
  let choices: string[];
  let prefix = "";
  if (word.startsWith("/") && before === word)
    choices = SLASH_COMMANDS.filter((name) => name.startsWith(word));
  else if (word.startsWith("@")) {
    prefix = "@";
    choices = pathChoices(workspace, word.slice(1)).map((path) => `@${path}`);
  } else return undefined;
  if (choices.length === 0) return undefined;
  const common = commonPrefix(choices);
  // A single command or file is finished with a space; a folder stays open for the next Tab.
  const done = choices.length === 1 && !(prefix === "@" && common.endsWith("/")) ? " " : "";
  const insert = common.slice(word.length) + done;
  return {
    text: before + insert + text.slice(cursor),
    cursor: cursor + insert.length,
    choices: choices.length > 1 ? choices : [],
  };
}

/** Ambiguous choices as one line for the transcript, with a count of those not listed. */
export function choicesLine(choices: string[]): string {
  const more = choices.length > MAX_LISTED ? `  … ${choices.length - MAX_LISTED} more` : "";
  return `${choices.slice(0, MAX_LISTED).join("  ")}${more}`;
}
