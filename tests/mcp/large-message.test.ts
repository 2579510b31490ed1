import { McpError } from "@modelcontextprotocol/sdk/types.js";
import { afterEach, describe, expect, it } from "vitest";
import {
  call,
  connect,
  killGroup,
  readRecord,
  runningPid,
  startTask,
  type Cleanups,
} from "../helpers/mcp-client.js";
import { startRawServer, startedId } from "../helpers/raw-mcp.js";
import { recordReliability } from "../helpers/reliability.js";
import { pidAlive } from "../helpers/temp-workspace.js";

const cleanups: Cleanups = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const ELEVEN_MB = 11_000_000;

describe("MCP: a message over the 10 MiB line limit", () => {
  it(
    "an 11 MB tools/call from the SDK client fails with -32600; the session and its running task go on",
    { timeout: 60_000 },
    async ({ task }) => {
      const connection = await connect(cleanups);
      const id = await startTask(connection, { command: "sleep 300" });
      const pid = await runningPid(connection.dir, id);
      cleanups.push(() => killGroup(pid));

      const huge = connection.client.callTool({
        name: "send_background_input",
        arguments: { task_id: id, input: "x".repeat(ELEVEN_MB) },
      });
      const error = await huge.then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(error).toBeInstanceOf(McpError);
      expect((error as McpError).code).toBe(-32600);
      expect((error as McpError).message).toMatch(/too large.*10 MiB/);

      expect(pidAlive(pid)).toBe(true);
      expect(readRecord(connection.dir, id).status).toBe("running");
      const shown = await call(connection, "check_background", { task_id: id });
      expect(shown.text).toContain("status: running");
      expect(connection.errors).toEqual([]);
      recordReliability(task, {
        area: "MCP",
        does: "an 11 MB tools/call (the SDK client's order: id last) while a task runs: answered -32600 with its id, the task still runs, the next call answers",
        cases: 1,
        faultsSurvived: 1,
        processesLeft: 0,
        itemsLost: 0,
      });
    },
  );

  it(
    "raw over-long lines: the id is found at the head or the tail, an over-long notification gets no reply, and the session goes on",
    { timeout: 60_000 },
    async ({ task }) => {
      const server = startRawServer(cleanups);
      await server.initialize();
      const started = await server.request(1, "tools/call", {
        name: "background_run",
        arguments: { command: "sleep 300" },
      });
      const taskId = startedId(started);
      const pid = await runningPid(server.dir, taskId);
      cleanups.push(() => killGroup(pid));
      const filler = "y".repeat(ELEVEN_MB);
      // The id first, as Python clients write it, with spaces.
      server.send(
        `{"jsonrpc": "2.0", "id": "head", "method": "ping", "params": {"_meta": {"f": "${filler}"}}}`,
      );
      server.send(`{"jsonrpc":"2.0","method":"notifications/progress","params":{"f":"${filler}"}}`);
      // A nested "id" near the end is not the request's id: that line's id is unknown.
      server.send(`{"method":"ping","params":{"f":"${filler}","x":{"id":7}},"jsonrpc":"2.0"}`);
      const head = await server.reply("head", 30_000);
      expect(head.error?.code).toBe(-32600);
      expect(head.error?.message).toMatch(/too large/);
      expect((await server.request(2, "ping")).result).toEqual({});
      const anonymous = server.wire.filter((message) => "error" in message && message.id === undefined);
      expect(anonymous.map((message) => message.error?.code)).toEqual([-32600]);
      expect(server.wire.filter((message) => message.id === 7)).toEqual([]);
      expect(pidAlive(pid)).toBe(true);
      expect(readRecord(server.dir, taskId).status).toBe("running");
      recordReliability(task, {
        area: "MCP",
        does: "three 11 MB lines on a raw pipe while a task runs (id first, a notification, a nested id last): -32600 with the id, nothing, -32600 without an id; ping still answered, the task still runs",
        cases: 3,
        faultsSurvived: 3,
        processesLeft: 0,
        itemsLost: 0,
      });
    },
  );
});
