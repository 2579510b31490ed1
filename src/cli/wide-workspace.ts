import { createInterface } from "node:readline/promises";
import { UsageError } from "../config/usage-error.js";

/** Why `/` or $HOME is not a workspace to start in unasked: one line, said by both the question and -p. */
export function wideWorkspaceWhy(workspace: string): string {
  return `${workspace} is not inside a project: with the default sandbox (workspace-write) commands could change anything in it`;
}

/** -p in `/` or $HOME without an explicit --cwd: nobody to ask, so it refuses (exit 2). */
export function refuseWideWorkspace(workspace: string): never {
  throw new UsageError(
    `${wideWorkspaceWhy(workspace)}; cd into a project, or pass --cwd ${workspace} to mean it`,
  );
}

const NOT_STARTED = "Not started: cd into a project (a folder with .git), or pass --cwd DIR.";

/** The REPL in `/` or $HOME without an explicit --cwd: says why, asks once. Anything but yes is no. */
export async function confirmWideWorkspace(workspace: string): Promise<boolean> {
  const lines = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  lines.on("SIGINT", stop);
  lines.on("close", stop);
  try {
    const answer = await lines.question(
      `lanes: ${wideWorkspaceWhy(workspace)} (--cwd ${workspace} skips this question).\nStart here anyway? [y/N] `,
      { signal: controller.signal },
    );
    if (/^\s*y(es)?\s*$/i.test(answer)) return true;
    process.stderr.write(`${NOT_STARTED}\n`);
    return false;
  } catch {
    process.stderr.write(`\n${NOT_STARTED}\n`);
    return false;
  } finally {
    lines.off("close", stop);
    lines.close();
  }
}
