import { commandName } from "./wrappers.js";

/** Shells whose `-c SCRIPT` runs shell code (`busybox sh` arrives here as `sh` once busybox is unwrapped). */
export const SHELLS: ReadonlySet<string> = new Set(
  ["sh", "bash", "rbash", "zsh", "dash", "ksh", "ksh93", "mksh", "lksh", "pdksh", "oksh", "ash"].concat([
    "yash",
    "posh",
    "fish",
    "csh",
    "tcsh",
  ]),
);
/** Programs whose `-c SCRIPT` (or `--command SCRIPT`) hands the script to a shell. */
const SCRIPT_RUNNERS = new Set(["su", "runuser", "script", "sg", "flock"]);
// Shell options that take the next word: `bash -o pipefail -c ...`, `bash --rcfile x -c ...`.
const VALUED_SHELL_OPTIONS = new Set(["-o", "+o", "-O", "+O", "--rcfile", "--init-file"]);
const COMMAND_LONG = ["--command", "--init-command", "--session-command"];
const FIND_EXEC = /^-(exec|execdir|ok|okdir)$/;

/** The script of `sh -c SCRIPT`, `bash -lc`, `fish --command=`, `su -c`; null when it reads stdin or a file. */
export function scriptArgument(args: readonly string[], fish = false): string | null {
  let seenC = false;
  for (let index = 0; index < args.length; index++) {
    const arg = args[index] ?? "";
    const long = COMMAND_LONG.find((name) => arg === name || arg.startsWith(`${name}=`));
    if (long !== undefined) return arg === long ? (args[index + 1] ?? null) : arg.slice(long.length + 1);
    if (VALUED_SHELL_OPTIONS.has(arg)) index++;
    else if (/^-[A-Za-z]*c[A-Za-z]*$/.test(arg) || (fish && arg === "-C")) seenC = true;
    else if (seenC && !/^[-+]/.test(arg)) return arg;
  }
  return null;
}

/** Shell code a command runs (`sh -c`, `su -c`, `eval`, `watch`), as text to parse again; null if none. */
export function nestedScript(words: readonly string[]): string | null {
  const name = commandName(words);
  const args = words.slice(1);
  if (name === "eval") return args.join(" ");
  if (SHELLS.has(name) || SCRIPT_RUNNERS.has(name)) return scriptArgument(args, name === "fish");
  if (name === "watch") {
    let i = 0;
    while ((args[i] ?? "").startsWith("-")) i += /^(-n|--interval)$/.test(args[i] ?? "") ? 2 : 1;
    return args.slice(i).join(" ");
  }
  return null;
}

/** `flock [-w SECS] FILE CMD...`: the command after the lock file, unless it is `flock FILE -c SCRIPT`. */
function flockCommand(args: readonly string[]): string[][] {
  let i = 0;
  while ((args[i] ?? "").startsWith("-"))
    i += /^(-w|-E|--timeout|--conflict-exit-code)$/.test(args[i] ?? "") ? 2 : 1;
  const rest = args.slice(i + 1);
  return rest.length === 0 || scriptArgument(args) !== null ? [] : [rest];
}

/** Commands a command runs by their words, not through a shell: `find -exec CMD ;`, `runuser -u U -- CMD`. */
export function nestedCommands(words: readonly string[]): string[][] {
  const name = commandName(words);
  if (name === "flock") return flockCommand(words.slice(1));
  if (name === "runuser" && scriptArgument(words.slice(1)) === null) {
    const dashes = words.indexOf("--");
    return dashes === -1 ? [] : [words.slice(dashes + 1)];
  }
  if (name !== "find") return [];
  const commands: string[][] = [];
  for (let i = 1; i < words.length; i++) {
    if (!FIND_EXEC.test(words[i] ?? "")) continue;
    let end = i + 1;
    while (end < words.length && words[end] !== ";" && words[end] !== "+") end++;
    commands.push(words.slice(i + 1, end));
    i = end;
  }
  return commands;
}
