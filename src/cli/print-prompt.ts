import { UsageError } from "../config/usage-error.js";

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * The prompt of `-p`, as `claude -p` and `codex exec -` take it: stdin that is not a terminal is added
 * after the prompt (`git diff | lanes -p "review this"`), or is the prompt with `-p -` or `-p` alone.
 */
export async function printPrompt(
  flag: string | true,
  stdin: NodeJS.ReadableStream & { isTTY?: boolean },
): Promise<string> {
  const fromStdinOnly = flag === true || flag === "-";
  const piped = stdin.isTTY === true ? "" : (await readAll(stdin)).trimEnd();
  if (fromStdinOnly) {
    if (piped.trim() === "") {
      const why = stdin.isTTY === true ? "stdin is a terminal" : "stdin was empty";
      throw new UsageError(
        `-p without a prompt reads it from stdin, but ${why}: lanes -p "PROMPT", or pipe one in`,
      );
    }
    return piped;
  }
  if (flag.trim() === "") throw new UsageError("-p got an empty prompt");
  return piped.trim() === "" ? flag : `${flag}\n\n${piped}`;
}
