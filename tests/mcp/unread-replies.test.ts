import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { call, connect, readRecord, type Cleanups } from "../helpers/mcp-client.js";
import { LANES_BIN, testEnv } from "../helpers/run-cli.js";
import { eventually, sleep, tempWorkspace } from "../helpers/temp-workspace.js";

const cleanups: Cleanups = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** `lanes mcp` driven over raw pipes, so the test decides when (and whether) its replies are read. */
class RawClient {
  readonly child: ChildProcess;
  stderr = "";
  private buffer = "";
  private readonly replies = new Map<number, unknown>();
  private next = 1;

  constructor(dir: string) {
    this.child = spawn(process.execPath, [LANES_BIN, "mcp", "--cwd", dir], {
      cwd: dir,
      env: testEnv(),
      stdio: ["pipe", "pipe", "pipe"],
    });
    this.child.stdout?.on("data", (chunk: Buffer) => {
      this.buffer += chunk.toString();
      let newline;
      while ((newline = this.buffer.indexOf("\n")) >= 0) {
        const message = JSON.parse(this.buffer.slice(0, newline)) as { id?: number; result?: unknown };
        this.buffer = this.buffer.slice(newline + 1);
        if (message.id !== undefined) this.replies.set(message.id, message.result);
      }
    });
    this.child.stderr?.on("data", (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.child.stdin?.on("error", () => {}); // The server may be gone when the test writes.
    cleanups.push(() => void this.child.kill("SIGKILL"));
  }

  send(method: string, params: unknown): number {
    const id = this.next++;
    this.child.stdin?.write(`${JSON.stringify({ jsonrpc: "2.0", id, method, params })}\n`);
    return id;
  }

  async request(method: string, params: unknown): Promise<unknown> {
    const id = this.send(method, params);
    expect(await eventually(() => this.replies.has(id), 20_000)).toBe(true);
    return this.replies.get(id);
  }

  async initialize(): Promise<void> {
    const clientInfo = { name: "raw", version: "0" };
    await this.request("initialize", { protocolVersion: "2025-06-18", capabilities: {}, clientInfo });
    this.child.stdin?.write(`${JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" })}\n`);
  }

  async startTask(command: string): Promise<string> {
    const result = (await this.request("tools/call", { name: "background_run", arguments: { command } })) as {
      content: { text: string }[];
    };
    const id = /Background task (\S+) started/.exec(result.content[0]?.text ?? "")?.[1];
    if (!id) throw new Error(`no task id in ${JSON.stringify(result)}`);
    return id;
  }

  exited(): Promise<number | null> {
    if (this.child.exitCode !== null) return Promise.resolve(this.child.exitCode);
    return new Promise((resolve) => this.child.once("exit", (code) => resolve(code)));
  }
}

/** The record's status, or undefined while it is not written yet. */
function statusOf(dir: string, id: string): string | undefined {
  try {
    return readRecord(dir, id).status;
  } catch {
    return undefined;
  }
}

/** A workspace, a task that ends when the test opens its FIFO, and a task with 5,000 long lines. */
async function setUp(): Promise<{
  dir: string;
  client: RawClient;
  gated: string;
  big: string;
  open: () => Promise<void>;
}> {
  const workspace = tempWorkspace("lanes-unread-");
  cleanups.push(workspace.cleanup);
  execFileSync("mkfifo", [join(workspace.dir, "gate")]);
  const client = new RawClient(workspace.dir);
  await client.initialize();
  const big = await client.startTask(
    "seq 5000 | sed 's/$/ padding padding padding padding padding padding/'",
  );
  const gated = await client.startTask("read line < gate; exit 5");
  expect(await eventually(() => statusOf(workspace.dir, big) === "completed", 10_000)).toBe(true);
  const open = (): Promise<void> => writeFile(join(workspace.dir, "gate"), "go\n");
  return { dir: workspace.dir, client, gated, big, open };
}

/** A fresh `lanes mcp` in the workspace: how many of its replies carry the task's result. */
async function carriedByNextServer(dir: string, id: string): Promise<number> {
  const next = await connect(cleanups, dir);
  let times = 0;
  for (let round = 0; round < 3; round++) {
    const reply = await call(next, "check_background", {});
    times += (reply.results.match(new RegExp(`\\[bg:${id}\\] failed, exit 5`, "g")) ?? []).length;
  }
  return times;
}

describe("MCP: a reply counts only once its bytes were written", () => {
  it(
    "a client that stops reading: the result in a reply stuck in lanes' buffer stays undelivered; the next lanes carries it once",
    {
      timeout: 120_000,
    },
    async () => {
      const { dir, client, gated, big, open } = await setUp();
      client.child.stdout?.pause();
      // ~30 KB each, unread: the pipe fills and later replies wait in lanes' own buffer.
      for (let filler = 0; filler < 16; filler++)
        client.send("tools/call", { name: "check_background", arguments: { task_id: big, lines: 5000 } });
      await open();
      expect(await eventually(() => existsSync(join(dir, ".lanes", "tasks", `${gated}.exit`)), 10_000)).toBe(
        true,
      );
      await sleep(500);
      client.send("tools/call", { name: "check_background", arguments: {} });
      await sleep(1000);
      expect(readRecord(dir, gated).notified).toBe(false);
      // The client goes away without ever reading.
      client.child.stdin?.end();
      await client.exited();
      expect(readRecord(dir, gated).notified).toBe(false);
      // One write callback per reply: no `drain` listener per unread reply.
      expect(client.stderr).not.toContain("MaxListenersExceededWarning");
      expect(await carriedByNextServer(dir, gated)).toBe(1);
    },
  );

  it(
    "a client that closed its end: lanes stops on its own (no waiting for stdin), the result stays undelivered, the next lanes carries it once",
    {
      timeout: 120_000,
    },
    async () => {
      const { dir, client, gated, open } = await setUp();
      client.child.stdout?.destroy();
      await open();
      expect(await eventually(() => existsSync(join(dir, ".lanes", "tasks", `${gated}.exit`)), 10_000)).toBe(
        true,
      );
      await sleep(500);
      client.send("tools/call", { name: "check_background", arguments: {} });
      const stopped = await Promise.race([client.exited().then(() => true), sleep(15_000).then(() => false)]);
      expect(stopped).toBe(true);
      expect(readRecord(dir, gated).notified).toBe(false);
      expect(await carriedByNextServer(dir, gated)).toBe(1);
    },
  );
});
