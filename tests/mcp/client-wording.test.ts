import { existsSync, mkdirSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterEach, describe, expect, it } from "vitest";
import { LANES_BIN, testEnv } from "../helpers/run-cli.js";
import { tempWorkspace } from "../helpers/temp-workspace.js";

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** `lanes mcp ARGS` started in `cwd` through the SDK's stdio client, as a client starts it. */
async function serve(cwd: string, args: string[] = []): Promise<Client> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [LANES_BIN, "mcp", ...args],
    cwd,
    env: testEnv() as Record<string, string>,
    stderr: "pipe",
  });
  const client = new Client({ name: "lanes-test", version: "0.0.0" });
  await client.connect(transport);
  cleanups.push(() => client.close());
  return client;
}

function workspace(): string {
  const ws = tempWorkspace("lanes-mcp-wording-");
  cleanups.push(ws.cleanup);
  return ws.dir;
}

async function call(
  client: Client,
  name: string,
  args: Record<string, unknown>,
): Promise<{ text: string; isError: boolean }> {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  const text = result.content.map((block) => (block.type === "text" ? block.text : "")).join("\n");
  return { text, isError: result.isError === true };
}

describe("lanes mcp speaks to the client in its own terms", { timeout: 60_000 }, () => {
  it("without --cwd it creates nothing until a task starts, then works in the project root", async () => {
    const root = workspace();
    mkdirSync(join(root, ".git"));
    const sub = join(root, "packages", "app");
    mkdirSync(sub, { recursive: true });
    const client = await serve(sub);
    await call(client, "check_background", {});
    expect(existsSync(join(root, ".lanes"))).toBe(false);
    expect(existsSync(join(sub, ".lanes"))).toBe(false);
    const started = await call(client, "background_run", { command: "echo hi" });
    expect(started.isError, started.text).toBe(false);
    expect(existsSync(join(root, ".lanes", "tasks"))).toBe(true);
    expect(existsSync(join(sub, ".lanes"))).toBe(false);
  });

  it("log paths in replies and results are absolute", async () => {
    const dir = workspace();
    const client = await serve(dir, ["--cwd", dir]);
    const started = await call(client, "background_run", { command: "echo hi" });
    const file = /output_file=([^)\s]+)\)/.exec(started.text)?.[1] ?? "";
    expect(isAbsolute(file), started.text).toBe(true);
    expect(file.startsWith(join(dir, ".lanes", "tasks"))).toBe(true);
    const waited = await call(client, "wait_background", {});
    expect(waited.text).toMatch(new RegExp(`output_file=${dir.replace(/[/.]/g, "\\$&")}/\\.lanes/tasks/`));
    const id = /task (\w+)/.exec(started.text)?.[1] ?? "";
    const checked = await call(client, "check_background", { task_id: id });
    expect(checked.text).toContain(`${dir}/.lanes/tasks/${id}.log`);
  });

  it("a queued task is queued, not started; a too-long command is not told to use write_file", async () => {
    const dir = workspace();
    const client = await serve(dir, ["--cwd", dir, "--lane-limit", "default=1"]);
    const first = await call(client, "background_run", { command: "sleep 30" });
    expect(first.text).toMatch(/^Background task \w+ started:/);
    const second = await call(client, "background_run", { command: "echo later" });
    expect(second.text).toMatch(/^Background task \w+ queued:/);
    const long = await call(client, "background_run", { command: `echo ${"x".repeat(140_000)}` });
    expect(long.isError).toBe(true);
    expect(long.text).toMatch(/at most \d+/);
    expect(long.text).not.toContain("write_file");
  });

  it("check_background with a bad grep and no task id names the bad pattern", async () => {
    const dir = workspace();
    const client = await serve(dir, ["--cwd", dir]);
    const bad = await call(client, "check_background", { grep: "[" });
    expect(bad.isError).toBe(true);
    expect(bad.text).toMatch(/`grep`: .*missing closing \]/i);
    const good = await call(client, "check_background", { grep: "ok" });
    expect(good.isError).toBe(true);
    expect(good.text).toMatch(/give its task_id/);
  });
});
