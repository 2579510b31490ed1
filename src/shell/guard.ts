import { checkWords, isFetcher } from "./guard-rules.js";
import { parse, type ShellCommand } from "./parse.js";
import { isRawDiskDevice } from "./protected-paths.js";
import { SHELLS } from "./nested.js";
import { walkShell, type WalkedCommand } from "./walk.js";
import { commandName, unwrap } from "./wrappers.js";

/** Whether a shell command may run; a seat belt against well-known destructive forms, not a sandbox. */
export type GuardVerdict = { allowed: true } | { allowed: false; reason: string };

// Names are bounded ({1,64}): an unbounded name made the backtracking quadratic in the longest word, so a
// heredoc with an 80 KB line blocked the event loop for seconds.
const FORK_BOMBS = [
  /([^\s(){};|&]{1,64})\s*\(\s*\)\s*\{\s*\1\s*\|\s*\1\s*&\s*;?\s*\}\s*;?\s*\1/,
  /function\s+([^\s(){};|&]{1,64})\s*(?:\(\s*\))?\s*\{\s*\1\s*\|\s*\1\s*&\s*;?\s*\}\s*;?\s*\1/,
];
export const TOO_DEEP = "command nests shells or substitutions too deeply to check";

const fetches = (command: ShellCommand) => isFetcher(unwrap(command.words).words);
const runsFetchedCode = (source: string) => parse(source).some((pipeline) => pipeline.some(fetches));

function forkBomb(source: string): boolean {
  // Quoted text is data (`echo ':(){ :|:& };:'`); `sh -c '...'` strings are walked as sources of their own.
  const unquoted = source.replace(/\\.|'[^']*'|"(?:\\.|[^"\\])*"/gs, (m) => (m[0] === "\\" ? m : " "));
  return FORK_BOMBS.some((bomb) => bomb.test(unquoted));
}

/** Index of the first command in a pipeline that downloads or decodes, once per pipeline. */
function firstFetcher(pipeline: readonly ShellCommand[], memo: Map<readonly ShellCommand[], number>): number {
  let index = memo.get(pipeline);
  if (index === undefined) {
    index = pipeline.findIndex(fetches);
    memo.set(pipeline, index === -1 ? pipeline.length : index);
  }
  return index === -1 ? pipeline.length : index;
}

/** Rules that need the whole command: redirections, what is piped in, what a shell is given to run. */
function checkWalked(walked: WalkedCommand, memo: Map<readonly ShellCommand[], number>): string | null {
  const { command, program, script } = walked;
  const disk = command.outputs.find(isRawDiskDevice);
  if (disk !== undefined) return `redirection to ${disk} writes to a raw disk device`;
  // Where an unknown wrapper option leaves the start in doubt, every possible start is checked.
  for (const words of [program.words, ...program.alternatives.map((a) => unwrap(a).words)]) {
    const reason = checkWords(words);
    if (reason !== null) return reason;
  }
  const name = commandName(program.words);
  const shell = SHELLS.has(name);
  if (shell && script === null && firstFetcher(walked.pipeline, memo) < walked.position)
    return `piping downloaded or decoded data into ${name} runs code nobody has read`;
  if ((shell || ["eval", "source", "."].includes(name)) && command.substitutions.some(runsFetchedCode))
    return `${name} running downloaded or decoded data runs code nobody has read`;
  return null;
}

/** Screens a shell command before `bash` or `background_run` runs it. */
export function checkCommand(line: string): GuardVerdict {
  const walk = walkShell(line);
  if (walk.tooDeep) return { allowed: false, reason: TOO_DEEP };
  if (walk.sources.some(forkBomb))
    return { allowed: false, reason: "fork bomb: a function that pipes into itself" };
  const memo = new Map<readonly ShellCommand[], number>();
  for (const command of walk.commands) {
    const reason = checkWalked(command, memo);
    if (reason !== null) return { allowed: false, reason };
  }
  return { allowed: true };
}
