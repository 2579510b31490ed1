import { existsSync, realpathSync } from "node:fs";
import { basename, dirname, join } from "node:path";

/** A word for /bin/sh, quoted so nothing in it is expanded. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The worker's slim entry next to lanes' own (dist/agent-worker.js, or its source when run from src/). */
export function workerEntry(entry: string): string {
  if (!existsSync(entry)) return entry;
  // An installed `lanes` is a symlink into the package: its slim entry sits beside the real file.
  const real = realpathSync(entry);
  const slim = join(dirname(real), basename(real) === "main.ts" ? "agent-worker-main.ts" : "agent-worker.js");
  return existsSync(slim) ? slim : entry;
}

/**
 * The shell line that starts an agent's worker: this same lanes (node, its loader flags, the worker's slim
 * entry beside its own), `exec`'d so the worker itself leads the task's process group.
 */
export function workerCommand(
  specFile: string,
  self = { node: process.execPath, execArgv: process.execArgv, entry: process.argv[1] ?? "" },
): string {
  const words = [self.node, ...self.execArgv, workerEntry(self.entry), "agent-worker", specFile];
  return `exec ${words.map(shellWord).join(" ")}`;
}
