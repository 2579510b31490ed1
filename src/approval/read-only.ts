import { SHELLS } from "../shell/nested.js";
import type { ShellCommand } from "../shell/parse.js";
import { walkShell, type WalkedCommand } from "../shell/walk.js";
import { commandName, unwrap } from "../shell/wrappers.js";

/**
 * Commands `approval: untrusted` runs without asking: they only read. The list is short on purpose;
 * anything not on it is asked about. Options that make a reader write or run something are excluded.
 */
const READERS: Record<string, (args: string[]) => boolean> = {
  ls: () => true,
  cat: () => true,
  head: () => true,
  tail: () => true,
  wc: () => true,
  pwd: () => true,
  echo: () => true,
  cd: () => true,
  true: () => true,
  grep: () => true,
  diff: () => true,
  stat: () => true,
  du: () => true,
  df: () => true,
  which: () => true,
  whoami: () => true,
  uname: () => true,
  // `--pre CMD` runs a program on every file searched.
  rg: (args) => !args.some((a) => a === "--pre" || a.startsWith("--pre=")),
  find: (args) => !args.some((a) => /^-(delete|exec|execdir|ok|okdir|fprint0?|fprintf|fls)$/.test(a)),
  // `-o FILE` writes; `--compress-program` runs one.
  sort: (args) => !args.some((a) => /^-[^-]*o/.test(a) || /^--(output|compress-program)/.test(a)),
  tree: (args) => !args.some((a) => /^-[^-]*o/.test(a)),
  date: (args) => !args.some((a) => /^-[^-]*s/.test(a) || a.startsWith("--set")),
  git: gitReads,
};

/** `git status`, `git log`, `git diff`...: no `-c` (it can set a command to run), nothing that writes. */
function gitReads(args: string[]): boolean {
  let i = 0;
  while (args[i] === "-C" || args[i] === "--no-pager") i += args[i] === "-C" ? 2 : 1;
  const [sub, ...rest] = args.slice(i);
  const writes = rest.some((a) => /^--(output|ext-diff)/.test(a));
  if (sub === "branch") return rest.every((a) => /^(-a|-r|-v|-vv|--list|--show-current|--all)$/.test(a));
  if (sub === "remote") return rest.every((a) => a === "-v");
  return ["status", "log", "diff", "show", "rev-parse", "ls-files", "blame"].includes(sub ?? "") && !writes;
}

/** Output that goes nowhere: `2>/dev/null`. (`2>&1` is not recorded as an output by the tokenizer.) */
const HARMLESS_OUTPUT = "/dev/null";

/** One simple command (words, outputs, substitutions as the tokenizer gives them) that only reads. */
export function readsOnly(command: ShellCommand): boolean {
  if (command.substitutions.length > 0) return false;
  if (command.outputs.some((target) => target !== HARMLESS_OUTPUT)) return false;
  // Only transparent wrappers are looked through (`timeout 5 ls`); `sudo ls`, `X=1 ls` are taken as written.
  const program = unwrap(command.words);
  // Only keywords (`fi`, `done`, `}`): nothing runs.
  if (program.transparent && program.words.length === 0) return true;
  const [name = "", ...args] = program.transparent ? program.words : command.words;
  // The name exactly as written: `$CMD` and `/tmp/ls` are not on the list.
  const check = Object.hasOwn(READERS, name) ? READERS[name] : undefined;
  return check !== undefined && check(args);
}

/**
 * `bash -c '...'` or `eval ...` that only hands its script on: it is judged by the script's commands,
 * which the walk yields after it (or a bare keyword such as `fi`). Not `su -c` (another user), nor
 * anything behind a wrapper that changes the user, environment or arguments.
 */
export function passesScriptOn({ command, program, script }: WalkedCommand): boolean {
  const name = commandName(program.words);
  const keywordsOnly = program.words.length === 0;
  return (
    (script !== null || keywordsOnly) &&
    program.transparent &&
    (SHELLS.has(name) || name === "eval" || keywordsOnly) &&
    command.substitutions.length === 0 &&
    command.outputs.every((target) => target === HARMLESS_OUTPUT)
  );
}

/** True when every command in the line (`a; b`, `a | b`, `a && b`, `sh -c '...'`) is a known reader. */
export function isReadOnly(commandLine: string): boolean {
  const walk = walkShell(commandLine);
  return (
    !walk.tooDeep &&
    walk.commands.length > 0 &&
    walk.commands.every((walked) => readsOnly(walked.command) || passesScriptOn(walked))
  );
}
