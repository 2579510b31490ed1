import path from "node:path";
import { isProtectedPath, isRawDiskDevice } from "./file-protected-paths.js";

/** Whether a shell command may run; a seat belt against well-known destructive forms, not a sandbox. */
export type GuardVerdict = { allowed: true } | { allowed: false; reason: string };

/** One simple command: its words with quotes removed, its output redirection targets, its $(...) sources. */
export interface ShellCommand {
  words: string[];
  outputs: string[];
  substitutions: string[];
}

const MAX_DEPTH = 8;
const SHELLS = new Set(["sh", "bash", "zsh", "dash", "ksh", "ash", "mksh", "fish"]);
const POWER = new Set(["shutdown", "reboot", "halt", "poweroff"]);
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;
const PREFIX_WORDS = new Set(["{", "}", "!", "if", "then", "else", "elif", "do", "while", "until"]);
// Commands that run the rest of their words as a command: short options taking a value, positionals to skip.
const WRAPPERS = new Map<string, { valued: string; positional?: number }>([
  ...["nohup", "time", "command", "builtin", "setsid", "busybox"].map((n) => [n, { valued: "" }] as const),
  ["sudo", { valued: "ugUCprtDTRh" }],
  ["doas", { valued: "uC" }],
  ["env", { valued: "uC" }],
  ["nice", { valued: "n" }],
  ["ionice", { valued: "cnp" }],
  ["stdbuf", { valued: "ioe" }],
  ["xargs", { valued: "IdEaLnPs" }],
  ["exec", { valued: "a" }],
  ["timeout", { valued: "sk", positional: 1 }],
  ["chroot", { valued: "", positional: 1 }],
]);
const LONG_VALUED = new Set(["--user", "--group", "--chdir", "--prompt", "--signal", "--kill-after"]);
// Names are bounded ({1,64}): an unbounded name made the backtracking quadratic in the longest word, so a
// heredoc with an 80 KB line blocked the event loop for seconds.
const FORK_BOMBS = [
  /([^\s(){};|&]{1,64})\s*\(\s*\)\s*\{\s*\1\s*\|\s*\1\s*&\s*;?\s*\}\s*;?\s*\1/,
  /function\s+([^\s(){};|&]{1,64})\s*(?:\(\s*\))?\s*\{\s*\1\s*\|\s*\1\s*&\s*;?\s*\}\s*;?\s*\1/,
];

function indexOrEnd(source: string, search: string, from: number): number {
  const at = source.indexOf(search, from);
  return at === -1 ? source.length : at;
}

/** Index of the ")" closing the "(" at `open`, skipping quoted text; the end of input if unclosed. */
function closingParen(source: string, open: number): number {
  let depth = 0;
  for (let j = open; j < source.length; j++) {
    const c = source[j];
    if (c === "\\") j++;
    else if (c === "'") j = indexOrEnd(source, "'", j + 1);
    else if (c === '"') for (j++; j < source.length && source[j] !== '"'; j += source[j] === "\\" ? 2 : 1);
    else if (c === "(") depth++;
    else if (c === ")" && --depth === 0) return j;
  }
  return source.length;
}

function closingBacktick(source: string, from: number): number {
  let j = from;
  while (j < source.length && source[j] !== "`") j += source[j] === "\\" ? 2 : 1;
  return j;
}

/** Splits a command line into pipelines of simple commands, the way a POSIX shell tokenizes it. */
export function parse(source: string): ShellCommand[][] {
  const pipelines: ShellCommand[][] = [];
  let pipeline: ShellCommand[] = [];
  let command: ShellCommand = { words: [], outputs: [], substitutions: [] };
  let word: string | null = null;
  // "dup": `>&N` / `2>&1` copies a descriptor, unless what follows is a file name (`>&file`).
  let redirect: "out" | "dup" | "in" | null = null;
  const append = (text: string) => (word = (word ?? "") + text);
  const endWord = () => {
    if (word === null) return;
    if (redirect === "out" || (redirect === "dup" && !/^(\d+|-)$/.test(word))) command.outputs.push(word);
    else if (redirect === null) command.words.push(word);
    [word, redirect] = [null, null];
  };
  const endCommand = () => {
    endWord();
    redirect = null;
    const { words, outputs, substitutions } = command;
    if (words.length + outputs.length + substitutions.length > 0) pipeline.push(command);
    command = { words: [], outputs: [], substitutions: [] };
  };
  const endPipeline = () => {
    endCommand();
    if (pipeline.length > 0) pipelines.push(pipeline);
    pipeline = [];
  };
  // Keeps the substitution's text in the word (a later `sh -c` re-parses it) and records its source.
  const substitute = (start: number, open: number): number => {
    const close = closingParen(source, open);
    command.substitutions.push(source.slice(open + 1, close));
    append(source.slice(start, close + 1));
    return close + 1;
  };
  const backtick = (start: number): number => {
    const close = closingBacktick(source, start + 1);
    command.substitutions.push(source.slice(start + 1, close));
    append(source.slice(start, close + 1));
    return close + 1;
  };
  let i = 0;
  // Runs `action`, then moves past `count` characters.
  const after = (count: number, action?: () => void): number => {
    action?.();
    return i + count;
  };
  while (i < source.length) {
    const c = source[i] ?? "";
    const next = source[i + 1] ?? "";
    if (c === " " || c === "\t" || c === "\r") i = after(1, endWord);
    else if (c === "\\") i = after(2, () => next !== "\n" && append(next));
    else if (c === "'") {
      const close = indexOrEnd(source, "'", i + 1);
      append(source.slice(i + 1, close));
      i = close + 1;
    } else if (c === '"') {
      append("");
      for (i++; i < source.length && source[i] !== '"';) {
        const d = source[i] ?? "";
        const e = source[i + 1] ?? "";
        if (d === "\\" && e.length === 1 && '"\\$`\n'.includes(e))
          i = after(2, () => e !== "\n" && append(e));
        else if (d === "$" && e === "(") i = substitute(i, i + 1);
        else if (d === "`") i = backtick(i);
        else i = after(1, () => append(d));
      }
      i++;
    } else if (c === "`") i = backtick(i);
    else if (c === "$" && next === "(") i = substitute(i, i + 1);
    else if ((c === "<" || c === ">") && next === "(" && word === null) i = substitute(i, i + 1);
    else if (c === "$" && next === "{") {
      const close = indexOrEnd(source, "}", i);
      append(source.slice(i, close + 1));
      i = close + 1;
    } else if (c === ">" || c === "<" || (c === "&" && next === ">")) {
      if (word !== null && /^\d+$/.test(word)) word = null; // the fd number of `2>`
      endWord();
      let j = i + 1;
      while (j < source.length && "<>&|".includes(source[j] ?? " ")) j++;
      const operator = source.slice(i, j);
      redirect = !operator.includes(">") ? "in" : operator.endsWith(">&") ? "dup" : "out";
      i = j;
    } else if (c === "|" && next !== "|") i = after(next === "&" ? 2 : 1, endCommand);
    else if (c === "|" || (c === "&" && next === "&")) i = after(2, endPipeline);
    else if (";&\n()".includes(c)) i = after(1, endPipeline);
    else if (c === "#" && word === null) i = indexOrEnd(source, "\n", i);
    else i = after(1, () => append(c));
  }
  endPipeline();
  return pipelines;
}

function commandName(words: string[]): string {
  return path.posix.basename(words[0] ?? "");
}

/** Strips `sudo`, `env X=1`, `timeout 5`... so the rules see the command that really runs. */
export function unwrap(words: string[]): string[] {
  let rest = words;
  for (let round = 0; round < 16; round++) {
    while (rest.length > 0 && (ASSIGNMENT.test(rest[0] ?? "") || PREFIX_WORDS.has(rest[0] ?? "")))
      rest = rest.slice(1);
    // Brace expansion: `{rm,-rf,/}` runs `rm -rf /`.
    const brace = /^\{([^{}\s]*,[^{}\s]*)\}$/.exec(rest[0] ?? "");
    if (brace?.[1] !== undefined) rest = [...brace[1].split(","), ...rest.slice(1)];
    const spec = WRAPPERS.get(commandName(rest));
    if (spec === undefined) return rest;
    let i = 1;
    while (i < rest.length && (rest[i] ?? "").startsWith("-")) {
      const option = rest[i++] ?? "";
      if (option === "--") break;
      if ((option.length === 2 && spec.valued.includes(option[1] ?? "")) || LONG_VALUED.has(option)) i++;
    }
    rest = rest.slice(i + (spec.positional ?? 0));
  }
  return rest;
}

function splitArgs(args: string[]): { short: string; long: string[]; operands: string[] } {
  const result = { short: "", long: [] as string[], operands: [] as string[] };
  for (const [index, arg] of args.entries()) {
    if (arg === "--") return { ...result, operands: [...result.operands, ...args.slice(index + 1)] };
    if (arg.startsWith("--")) result.long.push(arg.split("=")[0] ?? arg);
    else if (arg.startsWith("-") && arg.length > 1) result.short += arg.slice(1);
    else result.operands.push(arg);
  }
  return result;
}

/** The script string of `sh -c SCRIPT` / `su -c SCRIPT`, or null when the shell reads stdin or a file. */
function shellScript(args: string[]): string | null {
  let seenC = false;
  for (const [index, arg] of args.entries()) {
    if (arg === "--command") return args[index + 1] ?? null;
    if (arg.startsWith("--command=")) return arg.slice("--command=".length);
    if (/^-[A-Za-z]*c[A-Za-z]*$/.test(arg)) seenC = true;
    else if (seenC && !arg.startsWith("-")) return arg;
  }
  return null;
}

/** Downloads or decodes a payload: the first half of `curl ... | sh`. */
function isFetcher(words: string[]): boolean {
  const name = commandName(words);
  const { short, long } = splitArgs(words.slice(1));
  if (name === "curl" || name === "wget") return true;
  if (name === "base64") return /[dD]/.test(short) || long.includes("--decode");
  if (name === "openssl") return words.includes("-d");
  return name === "xxd" && short.includes("r");
}

function checkWords(words: string[]): string | null {
  const name = commandName(words);
  const args = words.slice(1);
  const { short, long, operands } = splitArgs(args);
  const protectedTarget = operands.find(isProtectedPath);
  const recursive = (letters: string) =>
    [...letters].some((l) => short.includes(l)) || long.includes("--recursive");
  const noPreserveRoot = long.includes("--no-preserve-root");
  if (name === "rm" && recursive("rR") && (protectedTarget !== undefined || noPreserveRoot)) {
    return `rm -r on ${protectedTarget ?? "/"}: deleting the root, a home or a system folder is blocked`;
  }
  if (["chmod", "chown", "chgrp"].includes(name) && recursive("R") && protectedTarget !== undefined) {
    return `${name} -R on ${protectedTarget}: changing a whole system or home tree is blocked`;
  }
  if (name === "find") {
    const firstTest = args.findIndex((a) => /^[-(!]/.test(a));
    const starts = firstTest === -1 ? args : args.slice(0, firstTest);
    const execRm = args.some(
      (a, i) => /^-(exec|execdir|ok)$/.test(a) && commandName(args.slice(i + 1)) === "rm",
    );
    const root = starts.find(isProtectedPath);
    if (root !== undefined && (args.includes("-delete") || execRm))
      return `find ${root} with -delete/-exec rm is blocked`;
  }
  if (name.startsWith("mkfs") || name === "mke2fs" || name === "wipefs")
    return `${name} formats or wipes a disk`;
  const disk = args.find((a) => a.startsWith("of=") && isRawDiskDevice(a.slice(3)));
  if (name === "dd" && disk !== undefined) return `dd ${disk} writes to a raw disk device`;
  const diskOperand = operands.find(isRawDiskDevice);
  if ((name === "tee" || name === "shred") && diskOperand)
    return `${name} ${diskOperand} writes to a raw disk device`;
  if (POWER.has(name)) return `${name} powers off or restarts the machine`;
  if ((name === "init" || name === "telinit") && operands.some((a) => a === "0" || a === "6")) {
    return `${name} ${operands.join(" ")} powers off or restarts the machine`;
  }
  if (name === "systemctl" && operands.some((a) => ["poweroff", "reboot", "halt", "kexec"].includes(a))) {
    return `systemctl ${operands.join(" ")} powers off or restarts the machine`;
  }
  return null;
}

const fetches = (command: ShellCommand) => isFetcher(unwrap(command.words));
const runsFetchedCode = (source: string) => parse(source).some((pipeline) => pipeline.some(fetches));

/** Rules that need the whole command: nested scripts, substitutions, redirections, what is piped in. */
function checkCommandIn(command: ShellCommand, pipedFrom: ShellCommand[], depth: number): string | null {
  for (const inner of command.substitutions) {
    const reason = checkSource(inner, depth + 1);
    if (reason !== null) return reason;
  }
  const disk = command.outputs.find(isRawDiskDevice);
  if (disk !== undefined) return `redirection to ${disk} writes to a raw disk device`;
  const words = unwrap(command.words);
  const name = commandName(words);
  const shell = SHELLS.has(name);
  const script = shell || name === "su" || name === "runuser" ? shellScript(words.slice(1)) : null;
  const nested = name === "eval" ? words.slice(1).join(" ") : script;
  const reason = checkWords(words) ?? (nested === null ? null : checkSource(nested, depth + 1));
  if (reason !== null) return reason;
  if (shell && script === null && pipedFrom.some(fetches)) {
    return `piping downloaded or decoded data into ${name} runs code nobody has read`;
  }
  if ((shell || ["eval", "source", "."].includes(name)) && command.substitutions.some(runsFetchedCode)) {
    return `${name} running downloaded or decoded data runs code nobody has read`;
  }
  return null;
}

function checkSource(source: string, depth: number): string | null {
  if (depth > MAX_DEPTH) return "command nests shells or substitutions too deeply to check";
  // Quoted text is data (`echo ':(){ :|:& };:'`); `sh -c '...'` strings are re-checked on their own.
  const unquoted = source.replace(/\\.|'[^']*'|"(?:\\.|[^"\\])*"/gs, (m) => (m[0] === "\\" ? m : " "));
  if (FORK_BOMBS.some((bomb) => bomb.test(unquoted))) return "fork bomb: a function that pipes into itself";
  for (const pipeline of parse(source)) {
    for (const [index, command] of pipeline.entries()) {
      const reason = checkCommandIn(command, pipeline.slice(0, index), depth);
      if (reason !== null) return reason;
    }
  }
  return null;
}

/** Screens a shell command before `bash` or `background_run` runs it. */
export function checkCommand(command: string): GuardVerdict {
  const reason = checkSource(command, 0);
  return reason === null ? { allowed: true } : { allowed: false, reason };
}
