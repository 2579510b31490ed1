import { spawn, type ChildProcess } from "node:child_process";
import { killByEnv } from "./process-tree.js";
import { CLI_MARK_VARIABLE, LANES_BIN, testEnv } from "./run-cli.js";
import { tempWorkspace } from "./temp-workspace.js";
import type { Cleanups } from "./mcp-client.js";

/** One message the server wrote, parsed (every line of its stdout must be JSON). */
export type Wire = Record<string, unknown> & { id?: unknown; error?: { code: number; message: string } };

export interface RawServer {
  child: ChildProcess;
  pid: number;
  dir: string;
  /** Every line of the server's stdout, parsed, in order. */
  wire: Wire[];
  /** Stdout lines that were not JSON: a protocol break. */
  garbage: string[];
  stderr: () => string;
  /** Writes one line (a string as is, anything else as JSON) and a newline to the server's stdin. */
  send: (message: unknown) => void;
  /** The response to request `id`, once it came. */
  reply: (id: string | number, timeoutMs?: number) => Promise<Wire>;
  /** Sends a request and waits for its response. */
  request: (id: number, method: string, params?: unknown) => Promise<Wire>;
  /** The initialize handshake (request and the initialized notification). */
  initialize: () => Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

let runs = 0;

/**
 * Spawns the real `lanes mcp --cwd <dir>` with plain pipes, for what no SDK client would send: raw lines,
 * malformed JSON-RPC, huge messages, a closed stdout. The server and everything it started are SIGKILLed by
 * the cleanup if they are still there.
 */
export function startRawServer(cleanups: Cleanups, existing?: string): RawServer {
  let dir = existing;
  if (dir === undefined) {
    const workspace = tempWorkspace("lanes-raw-mcp-");
    cleanups.push(workspace.cleanup);
    dir = workspace.dir;
  }
  const mark = `raw-${process.pid}-${++runs}`;
  const child = spawn(process.execPath, [LANES_BIN, "mcp", "--cwd", dir], {
    cwd: dir,
    env: { ...testEnv(), [CLI_MARK_VARIABLE]: mark },
    stdio: ["pipe", "pipe", "pipe"],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    killByEnv(CLI_MARK_VARIABLE, mark);
  });
  // Writing to a server that already exited is what some tests provoke: not a failure of the test process.
  child.stdin.on("error", () => {});
  child.stdout.on("error", () => {});
  const wire: Wire[] = [];
  const garbage: string[] = [];
  let pending = "";
  let stderr = "";
  const waiters = new Set<() => void>();
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    pending += chunk;
    let newline: number;
    while ((newline = pending.indexOf("\n")) !== -1) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      try {
        wire.push(JSON.parse(line) as Wire);
      } catch {
        garbage.push(line);
      }
    }
    for (const waiter of waiters) waiter();
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));

  const send = (message: unknown): void => {
    child.stdin.write(`${typeof message === "string" ? message : JSON.stringify(message)}\n`);
  };
  const reply = (id: string | number, timeoutMs = 10_000): Promise<Wire> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const found = wire.find(
          (message) => message.id === id && ("result" in message || "error" in message),
        );
        if (!found) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve(found);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no response to ${id} in ${timeoutMs} ms; stderr: ${stderr}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  const request = (id: number, method: string, params?: unknown): Promise<Wire> => {
    send({ jsonrpc: "2.0", id, method, ...(params === undefined ? {} : { params }) });
    return reply(id);
  };
  const initialize = async (): Promise<void> => {
    const answer = await request(0, "initialize", {
      protocolVersion: "2025-06-18",
      capabilities: {},
      clientInfo: { name: "raw-test", version: "0.0.0" },
    });
    if (!("result" in answer)) throw new Error(`initialize failed: ${JSON.stringify(answer)}`);
    send({ jsonrpc: "2.0", method: "notifications/initialized" });
  };
  return {
    child,
    pid: child.pid ?? 0,
    dir,
    wire,
    garbage,
    stderr: () => stderr,
    send,
    reply,
    request,
    initialize,
    exited,
  };
}

/** The tool's text of a tools/call response. */
export function toolText(message: Wire): string {
  const result = message.result as { content?: { type: string; text?: string }[] } | undefined;
  return (result?.content ?? []).map((block) => block.text ?? "").join("");
}

/** The task id a background_run answer names. */
export function startedId(message: Wire): string {
  const id = /Background task (\S+) (?:started|queued)/.exec(toolText(message))?.[1];
  if (id === undefined) throw new Error(`no task id in: ${JSON.stringify(message)}`);
  return id;
}
