import path from "node:path";
import { parse } from "./parse.js";

/** How a wrapper's own words are read before the command it runs. */
interface WrapperSpec {
  /** Short options that take the next word as their value (`-u root`, `-n 10`). */
  valued: string;
  /** Long options that take the next word as their value (`--user root`). */
  long?: readonly string[];
  /** Options known to take no value (`-E`, `--foreground`): the command surely starts after them. */
  flags?: string;
  longFlags?: readonly string[];
  /** Operands before the command: `timeout DURATION`, `chroot DIR`, `taskset MASK`. */
  positional?: number;
  /** Runs the command as written, as the same user, with the same environment and arguments. */
  transparent?: boolean;
  /** Options that make a transparent wrapper write a file (`time -o FILE`). */
  writes?: readonly string[];
  /** Options whose value is split into words that go before the command (`env -S 'rm -rf /'`). */
  splits?: readonly string[];
}

const SIGNAL = ["--signal", "--kill-after"];
/** Every command that runs the rest of its words as a command (docs/GUARD.md lists them). */
export const WRAPPERS: ReadonlyMap<string, WrapperSpec> = new Map<string, WrapperSpec>([
  // nohup writes nohup.out when its output is a terminal.
  ["nohup", { valued: "" }],
  [
    "time",
    {
      valued: "fo",
      long: ["--format", "--output"],
      flags: "pvqa",
      longFlags: ["--portability", "--verbose", "--quiet", "--append"],
      transparent: true,
      writes: ["-o", "--output", "-a"],
    },
  ],
  ["command", { valued: "", flags: "p", transparent: true }],
  ["builtin", { valued: "", transparent: true }],
  ["setsid", { valued: "", flags: "cfw", longFlags: ["--ctty", "--fork", "--wait"], transparent: true }],
  ["nice", { valued: "n", long: ["--adjustment"], transparent: true }],
  ["ionice", { valued: "cnp", long: ["--class", "--classdata", "--pid"], flags: "t", transparent: true }],
  ["stdbuf", { valued: "ioe", long: ["--input", "--output", "--error"], transparent: true }],
  [
    "timeout",
    {
      valued: "sk",
      long: SIGNAL,
      flags: "v",
      longFlags: ["--foreground", "--preserve-status", "--verbose"],
      positional: 1,
      transparent: true,
    },
  ],
  ["exec", { valued: "a" }],
  [
    "env",
    {
      valued: "uC",
      long: ["--unset", "--chdir"],
      flags: "i0v",
      longFlags: ["--ignore-environment"],
      splits: ["-S", "--split-string"],
    },
  ],
  [
    "sudo",
    {
      valued: "ugUCprtDTRh",
      long: ["--user", "--group", "--chdir", "--prompt", "--host"],
      flags: "AbEHiknPSsv",
      longFlags: ["--preserve-env", "--login", "--shell", "--non-interactive", "--stdin", "--background"],
    },
  ],
  ["doas", { valued: "uC" }],
  ["pkexec", { valued: "", long: ["--user"] }],
  [
    "xargs",
    {
      valued: "IdEaLnPs",
      long: ["--arg-file", "--delimiter", "--max-args", "--max-procs"],
      flags: "0otrpx",
      longFlags: ["--null", "--no-run-if-empty", "--verbose", "--interactive", "--open-tty", "--exit"],
    },
  ],
  ["busybox", { valued: "" }],
  ["chroot", { valued: "", long: ["--userspec", "--groups"], positional: 1 }],
  ["nsenter", { valued: "tSG", long: ["--target"] }],
  ["unshare", { valued: "SGRw" }],
  ["taskset", { valued: "", positional: 1 }],
  ["chrt", { valued: "T", positional: 1 }],
  ["prlimit", { valued: "p", long: ["--pid"] }],
  ["strace", { valued: "abeEIoOpPsSuUX" }],
  ["ltrace", { valued: "aAeElnoprsSuX" }],
  ["faketime", { valued: "", positional: 1 }],
  ["fakeroot", { valued: "is", long: ["--lib", "--faked"] }],
  ["unbuffer", { valued: "" }],
  ["torsocks", { valued: "uPa" }],
  ["proxychains", { valued: "f" }],
  ["proxychains4", { valued: "f" }],
  ["xvfb-run", { valued: "nsfe", long: ["--server-num", "--server-args", "--auth-file", "--error-file"] }],
  ["dbus-run-session", { valued: "", long: ["--config-file"] }],
  ["systemd-run", { valued: "pEuMH", long: ["--unit", "--property", "--setenv", "--uid", "--gid"] }],
  ["firejail", { valued: "" }],
  ["valgrind", { valued: "" }],
]);

const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;
const KEYWORDS = new Set(["{", "}", "!", "if", "then", "else", "elif", "fi", "do", "done", "while", "until"]);
/** More wrappers (or unknown wrapper options) in one command than this is not a real command line: fail closed. */
export const MAX_WRAPPERS = 16;

/** What runs once wrappers, `VAR=x` prefixes and keywords are taken off a simple command's words. */
export interface Unwrapped {
  /** The command that really runs (`rm -rf /` for `sudo env X=1 timeout 5 rm -rf /`). */
  words: string[];
  /** Only keywords and transparent wrappers (nice, nohup, timeout...) were taken off. */
  transparent: boolean;
  /** The words after each wrapper was taken off, outermost first (the last is `words`). */
  levels: string[][];
  /** Where else the command may start, when a wrapper's options are not all known: deny rules check these too. */
  alternatives: string[][];
  /** Words were split or expanded (`env -S`, `{a,b}`): the words as written no longer line up. */
  rewritten: boolean;
  /** More than MAX_WRAPPERS wrappers or unknown options: the caller fails closed. */
  exhausted: boolean;
}

export function commandName(words: readonly string[]): string {
  return path.posix.basename(words[0] ?? "");
}

/**
 * Index of the first word after a wrapper's options and operands (`words[0]` is the wrapper), and where
 * the command starts instead if an option this table does not know takes a value.
 */
function skipWrapper(words: readonly string[], spec: WrapperSpec) {
  const otherStarts: number[] = [];
  const split: string[] = [];
  let writes = false;
  let i = 1;
  const matches = (option: string, names: readonly string[] | undefined) =>
    names?.some((name) => option === name || option.startsWith(name.startsWith("--") ? `${name}=` : name));
  while (i < words.length && (words[i] ?? "").startsWith("-")) {
    const option = words[i++] ?? "";
    if (option === "--") break;
    writes ||= matches(option, spec.writes) === true;
    if (matches(option, spec.splits) === true) {
      const name = spec.splits?.find((n) => option.startsWith(n)) ?? "";
      const value = option === name ? (words[i++] ?? "") : option.slice(name.length).replace(/^=/, "");
      split.push(...parse(value).flatMap((pipeline) => pipeline.flatMap((command) => command.words)));
      continue;
    }
    const short = !option.startsWith("--") && spec.valued.includes(option[1] ?? "");
    const long = spec.long?.includes(option) === true || SIGNAL.includes(option);
    const flag = option.startsWith("--")
      ? spec.longFlags?.includes(option) === true
      : [...option.slice(1)].every((letter) => spec.flags?.includes(letter) === true);
    if ((short && option.length === 2) || long) i++;
    else if (!short && !flag && !option.includes("=") && otherStarts.length <= MAX_WRAPPERS)
      otherStarts.push(i + 1 + (spec.positional ?? 0));
  }
  return { next: i + (spec.positional ?? 0), otherStarts, writes, split };
}

/** Strips `sudo`, `env X=1`, `timeout 5`... so rules see the command that really runs. */
export function unwrap(words: readonly string[]): Unwrapped {
  let rest = [...words];
  let transparent = true;
  let rewritten = false;
  const alternatives: string[][] = [];
  const levels: string[][] = [];
  for (let round = 0; round <= MAX_WRAPPERS; round++) {
    while (rest.length > 0 && (ASSIGNMENT.test(rest[0] ?? "") || KEYWORDS.has(rest[0] ?? ""))) {
      if (ASSIGNMENT.test(rest[0] ?? "")) transparent = false;
      rest = rest.slice(1);
    }
    // Brace expansion: `{rm,-rf,/}` runs `rm -rf /`.
    const brace = /^\{([^{}\s]*,[^{}\s]*)\}$/.exec(rest[0] ?? "");
    if (brace?.[1] !== undefined)
      [rest, transparent, rewritten] = [[...brace[1].split(","), ...rest.slice(1)], false, true];
    levels.push(rest);
    const spec = WRAPPERS.get(commandName(rest));
    if (spec === undefined)
      return { words: rest, transparent, rewritten, levels, alternatives, exhausted: false };
    const { next, otherStarts, writes, split } = skipWrapper(rest, spec);
    if (alternatives.length + otherStarts.length > MAX_WRAPPERS) break;
    for (const start of otherStarts) if (start < rest.length) alternatives.push(rest.slice(start));
    transparent &&= spec.transparent === true && !writes && otherStarts.length === 0;
    rewritten ||= split.length > 0;
    rest = [...split, ...rest.slice(next)];
  }
  return { words: rest, transparent: false, rewritten, levels, alternatives, exhausted: true };
}
