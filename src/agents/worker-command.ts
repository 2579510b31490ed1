/** A word for /bin/sh, quoted so nothing in it is expanded. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The shell line that starts an agent's worker: this same lanes (node, its loader flags, its entry script),
 * `exec`'d so the worker itself leads the task's process group.
 */
export function workerCommand(
  specFile: string,
  self = { node: process.execPath, execArgv: process.execArgv, entry: process.argv[1] ?? "" },
): string {
  const words = [self.node, ...self.execArgv, self.entry, "agent-worker", specFile];
  return `exec ${words.map(shellWord).join(" ")}`;
}
