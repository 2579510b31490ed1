import { createInterface } from "node:readline/promises";

/**
 * The REPL's one-time question, before the session starts: may this workspace's .env set what it tries
 * to (an endpoint, a key)? Anything but yes is no; Ctrl+C and Ctrl+D are no. The answer is stored.
 */
export async function askTrust(workspace: string, held: string[]): Promise<boolean> {
  const lines = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  lines.on("SIGINT", stop);
  lines.on("close", stop);
  try {
    const answer = await lines.question(
      `The .env of ${workspace} sets ${held.join(", ")}: a workspace's .env could send your API key to its own server.\nTrust this workspace, so its .env may set endpoints, keys and tokens? [y/N] `,
      { signal: controller.signal },
    );
    return /^\s*y(es)?\s*$/i.test(answer);
  } catch {
    process.stdout.write("\n");
    return false;
  } finally {
    lines.off("close", stop);
    lines.close();
  }
}
