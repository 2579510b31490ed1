import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { CallToolResult, Progress } from "@modelcontextprotocol/sdk/types.js";
import { afterEach, describe, expect, it } from "vitest";
import { findByEnv } from "../helpers/process-tree.js";
import {
  call,
  connect as connectTo,
  killGroup,
  logsFor,
  readRecord,
  runningPid,
  startTask,
  text,
  type Cleanups,
} from "../helpers/mcp-client.js";
import { eventually, pidAlive, sleep } from "../helpers/temp-workspace.js";

const cleanups: Cleanups = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const connect = (existing?: string) => connectTo(cleanups, existing);

describe("lanes mcp over stdio", () => {
  it("lists exactly the five background tools and agent_run, each with the JSON Schema of its zod schema", async () => {
    const connection = await connect();
    const { tools } = await connection.client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual([
      "agent_run",
      "background_run",
      "check_background",
      "kill_background",
      "send_background_input",
      "wait_background",
    ]);
    for (const tool of tools) {
      expect(tool.inputSchema.type).toBe("object");
      expect(tool.description?.length).toBeGreaterThan(20);
    }
    const run = tools.find((tool) => tool.name === "background_run");
    expect(run?.inputSchema.required).toEqual(["command"]);
    expect(Object.keys(run?.inputSchema.properties ?? {})).toContain("timeout_ms");
    // How results arrive, told truthfully: with replies, not as notifications the client may never show.
    for (const tool of tools) expect(tool.description, tool.name).not.toMatch(/notified/i);
    expect(run?.description).toContain("comes with the reply to your next call of any lanes tool");
    const instructions = connection.client.getInstructions() ?? "";
    expect(instructions).toContain("the reply to any lanes call ends with a <background-results> block");
    expect(instructions).toContain("call wait_background, which blocks");
    expect(connection.errors).toEqual([]);
  });

  it("returns the id at once, hints the completion with one logging notification, and check_background shows it", async () => {
    const connection = await connect();
    // The task cannot end before the test creates `go`: the id came back while it was still running.
    const id = await startTask(connection, { command: "while [ ! -f go ]; do sleep 0.05; done; echo hi" });
    expect((await call(connection, "check_background", { task_id: id })).text).toContain("status: running");
    expect(logsFor(connection, id)).toEqual([]);
    writeFileSync(join(connection.dir, "go"), "");

    expect(await eventually(() => logsFor(connection, id).length > 0, 5000)).toBe(true);
    const [log] = logsFor(connection, id);
    expect(log).toMatchObject({ level: "info", logger: "lanes" });
    expect(String(log?.data)).toContain(`[bg:${id}] completed, exit 0`);
    expect(String(log?.data)).toContain("hi");

    const shown = await call(connection, "check_background", { task_id: id });
    expect(shown.isError).toBe(false);
    expect(shown.text).toContain("status: completed, exit 0");
    expect(shown.text).toMatch(/--- output: last 20 lines.*---\nhi$/);
    const listed = await call(connection, "check_background", {});
    expect(listed.text).toMatch(new RegExp(`^${id}\\s+completed, exit 0`));

    // Delivered once: the record says so, and no second message follows.
    expect(await eventually(() => readRecord(connection.dir, id).notified, 2000)).toBe(true);
    await sleep(300);
    expect(logsFor(connection, id)).toHaveLength(1);
    expect(connection.errors).toEqual([]);
  });

  it("reports a failure as an error-level notification", async () => {
    const connection = await connect();
    const id = await startTask(connection, { command: "echo broken >&2; exit 3" });
    expect(await eventually(() => logsFor(connection, id).length > 0, 5000)).toBe(true);
    expect(logsFor(connection, id)[0]).toMatchObject({ level: "error", logger: "lanes" });
    expect(String(logsFor(connection, id)[0]?.data)).toContain(`[bg:${id}] failed, exit 3`);
  });

  it("wait_background blocks until the task ends, sends its progress before the reply, and the result is not pushed a second time", async () => {
    const connection = await connect();
    const id = await startTask(connection, { command: "sleep 0.4; echo waited" });
    const progress: Progress[] = [];
    const order: string[] = [];
    const result = (await connection.client.callTool(
      { name: "wait_background", arguments: { task_ids: [id], timeout_ms: 10_000 } },
      undefined,
      {
        onprogress: (update) => {
          progress.push(update);
          order.push("progress");
        },
      },
    )) as CallToolResult;
    order.push("reply");
    expect(order).toEqual(["progress", "reply"]);
    expect(result.isError).toBeFalsy();
    expect(text(result)).toContain(`[bg:${id}] completed, exit 0`);
    expect(text(result)).toContain("waited");
    expect(progress).toEqual([{ progress: 1, total: 1, message: `[bg:${id}] completed, exit 0` }]);
    await sleep(400);
    expect(logsFor(connection, id)).toEqual([]);
    expect(readRecord(connection.dir, id).notified).toBe(true);
    expect(connection.errors).toEqual([]);
  });

  it("a cancelled wait_background leaves the result to the next reply (and a hint)", async () => {
    const connection = await connect();
    const id = await startTask(connection, { command: "sleep 0.5; echo late" });
    const abort = new AbortController();
    const waiting = connection.client.callTool(
      { name: "wait_background", arguments: { task_ids: [id] } },
      undefined,
      { signal: abort.signal },
    );
    await sleep(100);
    abort.abort("changed my mind");
    await expect(waiting).rejects.toThrow();
    expect(await eventually(() => logsFor(connection, id).length > 0, 5000)).toBe(true);
    expect(String(logsFor(connection, id)[0]?.data)).toContain("late");
    expect(readRecord(connection.dir, id).notified).toBe(false);
    expect((await call(connection, "check_background", {})).results).toContain(`[bg:${id}] completed`);
    expect(await eventually(() => readRecord(connection.dir, id).notified, 2000)).toBe(true);
  });

  it("kill_background ends the task's whole process group, grandchildren included", async () => {
    const connection = await connect();
    const id = await startTask(connection, { command: "sleep 300 & echo $! > grandchild.pid; wait" });
    expect(await eventually(() => readFileSafe(join(connection.dir, "grandchild.pid")) !== "", 5000)).toBe(
      true,
    );
    // Inside the sandbox `$!` is a pid of the task's own pid namespace: the host's pid is found by its marker.
    const [grandchild] = findByEnv("LANES_TASK_ID", id)
      .filter((p) => p.command === "sleep 300")
      .map((p) => p.pid);
    if (grandchild === undefined) throw new Error("the task's sleep 300 is not running");
    cleanups.push(() => killGroup(readRecord(connection.dir, id).pid));
    expect(pidAlive(grandchild)).toBe(true);

    const killed = await call(connection, "kill_background", { task_id: id });
    expect(killed.isError).toBe(false);
    expect(killed.text).toMatch(new RegExp(`^Killed\\. \\[bg:${id}\\] killed`));
    expect(await eventually(() => !pidAlive(grandchild), 5000)).toBe(true);
    // The record is written right after the reply; under load the write may trail it a little.
    expect(await eventually(() => readRecord(connection.dir, id).status === "killed", 2000)).toBe(true);
    // The kill's own reply delivered the result.
    await sleep(300);
    expect(logsFor(connection, id)).toEqual([]);
  });

  it("invalid input is an isError result naming the field; so is an unknown tool or task", async () => {
    const connection = await connect();
    const bad = await call(connection, "background_run", { command: "ls", timeout_ms: "ten" });
    expect(bad.isError).toBe(true);
    expect(bad.text).toContain("`timeout_ms`");
    expect(bad.text).toContain('`timeout_ms`: expected a number, got a string "ten"');

    // An unknown field is refused, not dropped: the task would otherwise run with no timeout at all.
    const unknownField = await call(connection, "background_run", { command: "sleep 20", timeout: 5 });
    expect(unknownField.isError).toBe(true);
    expect(unknownField.text).toContain(
      "`timeout` is not a field of background_run (did you mean `timeout_ms`?)",
    );
    expect((await call(connection, "check_background", {})).text).toBe("No background tasks.");

    const missing = await call(connection, "kill_background", {});
    expect(missing).toMatchObject({ isError: true });
    expect(missing.text).toContain("`task_id`");

    const unknownTask = await call(connection, "check_background", { task_id: "nope" });
    expect(unknownTask).toMatchObject({ isError: true });
    expect(unknownTask.text).toContain("No background task with id nope");

    const unknownTool = await call(connection, "bash", { command: "ls" });
    expect(unknownTool).toMatchObject({ isError: true });
    expect(unknownTool.text).toContain('Unknown tool "bash"');
    expect(connection.errors).toEqual([]);
  });

  it("sends stall and notify_on matches as notifications while the task runs", async () => {
    const connection = await connect();
    const id = await startTask(connection, {
      command: "echo server ready; sleep 300",
      notify_on: "ready",
      stall_ms: 600,
    });
    cleanups.push(() => killGroup(readRecord(connection.dir, id).pid));
    expect(await eventually(() => logsFor(connection, id).length >= 2, 20_000)).toBe(true);
    const [matched, stalled] = logsFor(connection, id);
    expect(matched).toMatchObject({ level: "info" });
    expect(String(matched?.data)).toContain("output matched notify_on: server ready");
    expect(stalled).toMatchObject({ level: "warning" });
    expect(String(stalled?.data)).toContain("no output for 1s");
    await call(connection, "kill_background", { task_id: id });
  });

  it("when the client closes, running tasks are killed and recorded so; persisted ones keep running", async () => {
    const connection = await connect();
    const id = await startTask(connection, { command: "sleep 300" });
    const kept = await startTask(connection, { command: "sleep 300", persist: true });
    const pid = await runningPid(connection.dir, id);
    const keptPid = await runningPid(connection.dir, kept);
    cleanups.push(() => killGroup(pid));
    cleanups.push(() => killGroup(keptPid));
    const serverPid = connection.transport.pid;

    await connection.client.close();
    expect(await eventually(() => !pidAlive(pid), 5000)).toBe(true);
    expect(readRecord(connection.dir, id)).toMatchObject({ status: "killed", end_reason: "shutdown" });
    expect(serverPid).not.toBeNull();
    expect(pidAlive(serverPid ?? 0)).toBe(false);
    expect(pidAlive(keptPid)).toBe(true);
    expect(readRecord(connection.dir, kept).status).toBe("running");
    expect(connection.stderr()).toContain("stopping: stdin closed");
  });

  it("a persisted task that ended while no server ran is reported once, to the next client", async () => {
    const first = await connect();
    const id = await startTask(first, { command: "sleep 0.5; echo early", persist: true });
    const pid = await runningPid(first.dir, id);
    cleanups.push(() => killGroup(pid));
    await first.client.close();
    expect(await eventually(() => !pidAlive(pid), 5000)).toBe(true);
    expect(logsFor(first, id)).toEqual([]);

    const second = await connect(first.dir);
    // The hint arrives, but only a reply delivers: the first call carries the result.
    expect(await eventually(() => logsFor(second, id).length > 0, 5000)).toBe(true);
    expect(String(logsFor(second, id)[0]?.data)).toContain(`[bg:${id}] completed, exit 0`);
    expect(readRecord(first.dir, id).notified).toBe(false);
    const reply = await call(second, "wait_background", {});
    expect(reply.text).toBe("No background tasks are running.");
    expect(reply.results).toContain(`[bg:${id}] completed, exit 0`);
    expect(reply.results).toContain("early");
    expect(second.stderr()).toContain("from an earlier run: 1 ended");
    expect(await eventually(() => readRecord(first.dir, id).notified, 2000)).toBe(true);
    await second.client.close();

    const third = await connect(first.dir);
    expect((await call(third, "check_background", {})).results).toBe("");
    expect(logsFor(third, id)).toEqual([]);
  });

  it("SIGTERM to the server ends its tasks the same way", async () => {
    const connection = await connect();
    const id = await startTask(connection, { command: "sleep 300" });
    const pid = await runningPid(connection.dir, id);
    cleanups.push(() => killGroup(pid));
    const serverPid = connection.transport.pid;
    expect(serverPid).not.toBeNull();

    process.kill(serverPid ?? 0, "SIGTERM");
    expect(await eventually(() => !pidAlive(pid), 5000)).toBe(true);
    expect(await eventually(() => !pidAlive(serverPid ?? 0), 5000)).toBe(true);
    expect(readRecord(connection.dir, id)).toMatchObject({ status: "killed", end_reason: "shutdown" });
  });
});

function readFileSafe(file: string): string {
  try {
    return readFileSync(file, "utf8").trim();
  } catch {
    return "";
  }
}
