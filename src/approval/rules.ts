import path from "node:path";
import { parse, unwrap, type ShellCommand } from "../tools/command-guard.js";
import { readsOnly } from "./read-only.js";

const SHELLS = new Set(["sh", "bash", "zsh", "dash", "ksh"]);
const MAX_DEPTH = 4;

/** A rule's words, tokenized like a command (`"npm  test"` and `npm test` are the same rule). */
function ruleWords(rule: string): string[] {
  return parse(rule).flat()[0]?.words ?? [];
}

function startsWith(words: string[], prefix: string[]): boolean {
  return prefix.length > 0 && prefix.every((word, i) => words[i] === word);
}

/** Every simple command of a line, the text of its $(...) and `sh -c` scripts included. */
function commandsIn(source: string, depth = 0): ShellCommand[] {
  if (depth > MAX_DEPTH) return [];
  return parse(source)
    .flat()
    .flatMap((command) => {
      const words = unwrap(command.words);
      const name = path.posix.basename(words[0] ?? "");
      const flag = words.findIndex((word) => /^-[A-Za-z]*c$/.test(word));
      const script = SHELLS.has(name) && flag > 0 ? words[flag + 1] : undefined;
      return [
        command,
        ...command.substitutions.flatMap((inner) => commandsIn(inner, depth + 1)),
        ...(script === undefined ? [] : commandsIn(script, depth + 1)),
      ];
    });
}

/** The first deny rule matching any command in the line (after `sudo`, `env`...; inside $(...), `sh -c`). */
export function deniedBy(commandLine: string, deny: readonly string[]): string | undefined {
  const commands = commandsIn(commandLine);
  return deny.find((rule) => {
    const prefix = ruleWords(rule);
    return commands.some((command) => startsWith(unwrap(command.words), prefix));
  });
}

/**
 * True when every command in the line is covered: a command an allow rule starts or, unless `readers` is
 * "ignore" (leaving the sandbox: only the user grants that), a known reader. A rule covers a command as
 * written (no $(...), no output to a file): `npm test > /etc/x` is not `npm test`.
 */
export function allowedBy(
  commandLine: string,
  allow: readonly string[],
  readers: "count" | "ignore" = "count",
): boolean {
  const prefixes = allow.map(ruleWords);
  const commands = parse(commandLine).flat();
  return (
    commands.length > 0 &&
    commands.every(
      (command) =>
        (command.substitutions.length === 0 &&
          command.outputs.every((target) => target === "/dev/null") &&
          prefixes.some((prefix) => startsWith(command.words, prefix))) ||
        (readers === "count" && readsOnly(command)),
    )
  );
}
