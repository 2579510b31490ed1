import { parse } from "../shell/parse.js";
import { walkShell, type WalkedCommand } from "../shell/walk.js";
import { unwrap } from "../shell/wrappers.js";
import { passesScriptOn, readsOnly } from "./read-only.js";

/** A rule's words, tokenized like a command (`"npm  test"` and `npm test` are the same rule). */
function ruleWords(rule: string): string[] {
  return parse(rule).flat()[0]?.words ?? [];
}

function startsWith(words: readonly string[], prefix: readonly string[]): boolean {
  return prefix.length > 0 && prefix.every((word, i) => words[i] === word);
}

/** As startsWith, but `/usr/bin/npm publish` also starts like the rule `npm publish` (the guard's reading). */
function startsLike(words: readonly string[], prefix: readonly string[]): boolean {
  const [first = "", ...rest] = words;
  const name = prefix[0]?.includes("/") === true ? first : first.replace(/^.*\//, "");
  return startsWith([name, ...rest], prefix);
}

/** Every way a command may start: as written, after each wrapper, and where an unknown option may end. */
function startsOf({ command, program }: WalkedCommand): string[][] {
  const others = program.alternatives.flatMap((words) => unwrap(words).levels);
  return [command.words, ...program.levels, ...others];
}

/**
 * The first deny rule matching any command in the line: as written, after any wrapper (`sudo`, `env`,
 * `timeout 5`, `xargs`...), inside $(...), `sh -c`, `su -c`, `eval`, `find -exec`. A line nested past the
 * walk's depth limit cannot be seen whole, so it counts as matching the first rule (fail closed).
 */
export function deniedBy(commandLine: string, deny: readonly string[]): string | undefined {
  const rules = deny.map((rule) => ({ rule, words: ruleWords(rule) })).filter((r) => r.words.length > 0);
  if (rules.length === 0) return undefined;
  const walk = walkShell(commandLine);
  if (walk.tooDeep) return rules[0]?.rule;
  const starts = walk.commands.flatMap(startsOf);
  return rules.find(({ words }) => starts.some((start) => startsLike(start, words)))?.rule;
}

/**
 * Whether an allow rule covers one command: as written, with the rule reaching past every wrapper
 * (`xargs` does not cover `xargs rm`), or after transparent wrappers only (`npm test` covers
 * `timeout 600 npm test`, not `sudo npm test`). Never with $(...) or output to a file.
 */
function covers(prefix: readonly string[], { command, program }: WalkedCommand): boolean {
  if (command.substitutions.length > 0) return false;
  if (!command.outputs.every((target) => target === "/dev/null")) return false;
  const shortest = Math.min(program.words.length, ...program.alternatives.map((a) => unwrap(a).words.length));
  const wrapperWords = command.words.length - shortest;
  if (!program.rewritten && startsWith(command.words, prefix) && prefix.length > wrapperWords) return true;
  return program.transparent && program.alternatives.length === 0 && startsWith(program.words, prefix);
}

/**
 * True when every command in the line, nested ones included, is covered: a command an allow rule covers,
 * a shell that only hands its script on, or, unless `readers` is "ignore" (leaving the sandbox: only the
 * user grants that), a known reader. A line nested past the depth limit is never covered.
 */
export function allowedBy(
  commandLine: string,
  allow: readonly string[],
  readers: "count" | "ignore" = "count",
): boolean {
  const prefixes = allow.map(ruleWords).filter((words) => words.length > 0);
  const walk = walkShell(commandLine);
  if (walk.tooDeep || walk.commands.length === 0) return false;
  return walk.commands.every(
    (walked) =>
      prefixes.some((prefix) => covers(prefix, walked)) ||
      passesScriptOn(walked) ||
      (readers === "count" && readsOnly(walked.command)),
  );
}
