import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createToolset } from "../../src/tools/toolset.js";
import type {
  BackgroundRunDetails,
  BashDetails,
  CheckBackgroundDetails,
  FileChangeDetails,
  KillBackgroundDetails,
  ReadFileDetails,
  SendBackgroundInputDetails,
  WaitBackgroundDetails,
} from "../../src/tools/tool-details.js";
import type { Tool } from "../../src/tools/define-tool.js";
import { TaskInputError } from "../../src/lanes/task-input.js";
import { useLaneFixture } from "../helpers/lane-fixture.js";
import { callResult } from "../helpers/tool-harness.js";

const ws = useLaneFixture();

function toolset() {
  const lanes = ws.manager();
  const tools = new Map(createToolset(lanes, { backgroundAfterMs: 300 }).map((tool) => [tool.name, tool]));
  const get = (name: string): Tool => {
    const tool = tools.get(name);
    if (!tool) throw new Error(`no tool ${name}`);
    return tool;
  };
  return { lanes, get };
}

/** One call's content and details, the details typed as the tool declares them. */
async function call<Details>(tool: Tool, raw: unknown): Promise<{ content: string; details: Details }> {
  const result = await callResult(tool, raw);
  expect(typeof result.content).toBe("string");
  return result as { content: string; details: Details };
}

describe("every tool returns { content, details }", () => {
  it("file tools: details name the path, the size, the lines and the diff", async () => {
    const { get } = toolset();
    const wrote = await call<FileChangeDetails>(get("write_file"), { path: "a.txt", content: "one\ntwo\n" });
    expect(wrote.content).toBe("Wrote 8 bytes to a.txt");
    expect(wrote.details).toMatchObject({ path: "a.txt", bytes: 8 });
    expect(wrote.details.diff).toContain("+two");
    const edited = await call<FileChangeDetails>(get("edit_file"), {
      path: "a.txt",
      old_text: "two",
      new_text: "three",
    });
    expect(edited.details).toMatchObject({ path: "a.txt", line: 2, bytes: 10 });
    expect(edited.details.diff).toContain("+three");
    const read = await call<ReadFileDetails>(get("read_file"), { path: "a.txt" });
    expect(read.details).toEqual({ path: "a.txt", kind: "text", size: 10, offset: 1, lines: 2 });
    writeFileSync(join(ws.dir, "empty"), "");
    expect((await call<ReadFileDetails>(get("read_file"), { path: "empty" })).details.kind).toBe("empty");
  });

  it("bash: a finished command's exit code and cause, a moved one's task id", async () => {
    const { lanes, get } = toolset();
    const failed = await call<BashDetails>(get("bash"), { command: "exit 3" });
    expect(failed.details).toEqual({
      kind: "finished",
      exit_code: 3,
      signal: null,
      reason: "exit",
      leftover_task_id: null,
      leftovers_ended: false,
      output_bytes: 0,
      output_file: null,
    });
    // Output past what the model is shown stays in its file, which the details name with its size.
    const long = await call<BashDetails>(get("bash"), { command: "head -c 200000 /dev/zero | tr '\\0' x" });
    expect(long.details).toMatchObject({ kind: "finished", output_bytes: 200_000 });
    const kept = long.details.kind === "finished" ? long.details.output_file : null;
    expect(kept !== null && readFileSync(kept, "utf8").length).toBe(200_000);
    const moved = await call<BashDetails>(get("bash"), { command: "until [ -e go ]; do sleep 0.05; done" });
    if (moved.details.kind !== "backgrounded") throw new Error(`not moved: ${moved.content}`);
    const { task_id } = moved.details;
    expect(lanes.get(task_id)?.status).toBe("running");
    writeFileSync(join(ws.dir, "go"), "");
    await lanes.whenEnded(task_id);
  });

  it("background tools: ids and records as data, the text unchanged", async () => {
    const { lanes, get } = toolset();
    const started = await call<BackgroundRunDetails>(get("background_run"), { command: "cat" });
    const id = started.details.task_id;
    expect(started.details).toMatchObject({ queued: false, record: { id, command: "cat" } });
    expect(started.content.startsWith(`Background task ${id} started: cat (output_file=`)).toBe(true);

    const sent = await call<SendBackgroundInputDetails>(get("send_background_input"), {
      task_id: id,
      text: "hi\n",
    });
    expect(sent.details).toMatchObject({ task_id: id, bytes: 3, closed_stdin: false });

    const listed = await call<CheckBackgroundDetails>(get("check_background"), {});
    if (listed.details.kind !== "list") throw new Error("not a listing");
    expect(listed.details.own.map((record) => record.id)).toEqual([id]);
    const one = await call<CheckBackgroundDetails>(get("check_background"), { task_id: id, output: "none" });
    expect(one.details).toMatchObject({ kind: "task", other: false, record: { id, status: "running" } });

    const waited = await call<WaitBackgroundDetails>(get("wait_background"), { timeout_ms: 100 });
    expect(waited.details).toMatchObject({ ended: [], timed_out: true, cancelled: false });
    expect(waited.details.running.map((record) => record.id)).toEqual([id]);

    const killed = await call<KillBackgroundDetails>(get("kill_background"), { task_id: id });
    expect(killed.details).toMatchObject({
      was_running: true,
      other: false,
      record: { id, status: "killed" },
    });
    expect(killed.content.startsWith(`Killed. [bg:${id}] killed`)).toBe(true);
    expect(lanes.get(id)?.status).toBe("killed");
  });

  it("a task that cannot take input says why as data; the tool words it", async () => {
    const { lanes, get } = toolset();
    const task = lanes.start({ command: "true" });
    await lanes.whenEnded(task.id);
    const refused = await lanes.sendInput(task.id, "x\n", false).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TaskInputError);
    expect(refused).toMatchObject({ taskId: task.id, problem: { kind: "not-running", status: "completed" } });
    await expect(callResult(get("send_background_input"), { task_id: task.id, text: "x\n" })).rejects.toThrow(
      `task ${task.id} is completed, not running`,
    );
  });
});
