import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import {
  LoggingMessageNotificationSchema,
  type CallToolResult,
  type JSONRPCMessage,
  type LoggingMessageNotification,
} from "@modelcontextprotocol/sdk/types.js";
import { LANES_BIN, testEnv } from "./run-cli.js";
import { eventually, tempWorkspace } from "./temp-workspace.js";

export type LogMessage = LoggingMessageNotification["params"];

export interface Connection {
  client: Client;
  transport: StdioClientTransport;
  dir: string;
  logs: LogMessage[];
  /** Client-side protocol errors: anything but JSON-RPC on the server's stdout shows up here. */
  errors: string[];
  /** Every message the server wrote, as it arrived: what was sent, whether or not the client kept it. */
  wire: JSONRPCMessage[];
  stderr: () => string;
}

/** Where a test registers what must be undone after it (run in reverse order). */
export type Cleanups = (() => void | Promise<void>)[];

/**
 * Spawns the real `lanes mcp --cwd <dir>` (a fresh temp dir by default) through the SDK's own stdio
 * client, as Claude Code and other clients do. `env` adds variables to the server's environment.
 */
export async function connect(
  cleanups: Cleanups,
  existing?: string,
  env: Record<string, string> = {},
): Promise<Connection> {
  let dir = existing;
  if (dir === undefined) {
    const workspace = tempWorkspace("lanes-mcp-");
    cleanups.push(workspace.cleanup);
    dir = workspace.dir;
  }
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [LANES_BIN, "mcp", "--cwd", dir],
    cwd: dir,
    env: testEnv(env) as Record<string, string>,
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const client = new Client({ name: "lanes-test", version: "0.0.0" });
  const logs: LogMessage[] = [];
  const errors: string[] = [];
  client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
    logs.push(notification.params);
  });
  client.onerror = (error) => errors.push(error.message);
  await client.connect(transport);
  const wire: JSONRPCMessage[] = [];
  const dispatch = transport.onmessage;
  transport.onmessage = (message) => {
    wire.push(message);
    dispatch?.(message);
  };
  cleanups.push(() => client.close());
  return { client, transport, dir, logs, errors, wire, stderr: () => stderr };
}

export function text(result: unknown): string {
  const content = (result as CallToolResult).content;
  return content.map((block) => (block.type === "text" ? block.text : "")).join("");
}

export interface Reply {
  /** The tool's own answer (the first content block). */
  text: string;
  /** The `<background-results>` block lanes appended, or "" when it carried none. */
  results: string;
  isError: boolean;
}

/** The parts of a tool reply: the tool's own answer, then any results lanes appended to it. */
export function replyOf(result: CallToolResult): Reply {
  const texts = result.content.map((block) => (block.type === "text" ? block.text : ""));
  const results = texts.slice(1).find((part) => part.startsWith("<background-results>")) ?? "";
  return { text: texts[0] ?? "", results, isError: result.isError === true };
}

export async function call(connection: Connection, name: string, args: Record<string, unknown>) {
  return replyOf((await connection.client.callTool({ name, arguments: args })) as CallToolResult);
}

export async function startTask(connection: Connection, args: Record<string, unknown>): Promise<string> {
  const started = await call(connection, "background_run", args);
  if (started.isError) throw new Error(`background_run refused: ${started.text}`);
  const id = /Background task (\S+) (?:started|queued)/.exec(started.text)?.[1];
  if (id === undefined) throw new Error(`no task id in: ${started.text}`);
  return id;
}

export interface StoredRecord {
  status: string;
  pid: number | null;
  end_reason: string | null;
  signal: string | null;
  notified: boolean;
}

export function readRecord(dir: string, id: string): StoredRecord {
  return JSON.parse(readFileSync(join(dir, ".lanes", "tasks", `${id}.json`), "utf8")) as StoredRecord;
}

export function logsFor(connection: Connection, id: string): LogMessage[] {
  return connection.logs.filter((log) => String(log.data).startsWith(`[bg:${id}]`));
}

/** Kills a process group left behind by a failing test. */
export function killGroup(pid: number | null): void {
  if (pid === null) return;
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // Already gone: what the test wanted.
  }
}

/** The pid in a task's record once the record says it runs. */
export async function runningPid(dir: string, id: string): Promise<number> {
  let pid: number | null = null;
  await eventually(() => {
    try {
      const record = readRecord(dir, id);
      pid = record.status === "running" ? record.pid : null;
    } catch {
      pid = null;
    }
    return pid !== null;
  }, 5000);
  if (pid === null) throw new Error(`task ${id} never recorded as running`);
  return pid;
}
