import { parse, type ShellCommand } from "./parse.js";
import { nestedCommands, nestedScript } from "./nested.js";
import { unwrap, type Unwrapped } from "./wrappers.js";

/** How many shells, substitutions and `find -exec`s deep the walk follows; deeper fails closed. */
export const MAX_DEPTH = 8;

/** One simple command found anywhere in a line, nested ones included. */
export interface WalkedCommand {
  /** As the tokenizer gave it (a `find -exec` command has no outputs or substitutions of its own). */
  command: ShellCommand;
  /** What really runs once wrappers are taken off. */
  program: Unwrapped;
  /** Its pipeline and its place there: `pipeline.slice(0, position)` is what is piped into it. */
  pipeline: readonly ShellCommand[];
  position: number;
  /** Shell code it runs (`sh -c`, `su -c`, `eval`, `watch`): its commands follow in the walk. */
  script: string | null;
  depth: number;
}

export interface ShellWalk {
  /** Every piece of shell source read: the line first, then each nested script and substitution. */
  sources: string[];
  commands: WalkedCommand[];
  /** Something nests deeper than MAX_DEPTH or stacks too many wrappers: not everything was seen. */
  tooDeep: boolean;
}

/** Every simple command of a line: in $(...), backticks, <(...), `sh -c`, `eval`, after any wrapper. */
export function walkShell(line: string): ShellWalk {
  const walk: ShellWalk = { sources: [], commands: [], tooDeep: false };
  const visitSource = (source: string, depth: number): void => {
    if (depth > MAX_DEPTH) {
      walk.tooDeep = true;
      return;
    }
    walk.sources.push(source);
    for (const pipeline of parse(source))
      for (const [position, command] of pipeline.entries()) visitCommand(command, pipeline, position, depth);
  };
  const visitCommand = (
    command: ShellCommand,
    pipeline: readonly ShellCommand[],
    position: number,
    depth: number,
  ): void => {
    if (depth > MAX_DEPTH) {
      walk.tooDeep = true;
      return;
    }
    for (const inner of command.substitutions) visitSource(inner, depth + 1);
    const program = unwrap(command.words);
    if (program.exhausted) walk.tooDeep = true;
    const script = nestedScript(program.words);
    walk.commands.push({ command, program, pipeline, position, script, depth });
    const seen = new Set<string>();
    for (const words of [program.words, ...program.alternatives.map((a) => unwrap(a).words)]) {
      const inner = words === program.words ? script : nestedScript(words);
      if (inner !== null && !seen.has(inner)) visitSource(inner, depth + 1);
      if (inner !== null) seen.add(inner);
      for (const nested of nestedCommands(words))
        visitCommand({ words: nested, outputs: [], substitutions: [] }, [], 0, depth + 1);
    }
  };
  visitSource(line, 0);
  return walk;
}
