import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { LaneManagerOptions } from "../../src/lanes/lane-manager.js";
import { TaskRecordSchema } from "../../src/lanes/task-record.js";
import { createBackgroundRunTool } from "../../src/tools/background-run.js";
import { createCheckBackgroundTool } from "../../src/tools/check-background.js";
import { ToolError } from "../../src/tools/define-tool.js";
import { createKillBackgroundTool } from "../../src/tools/kill-background.js";
import { createSendBackgroundInputTool } from "../../src/tools/send-background-input.js";
import { createWaitBackgroundTool } from "../../src/tools/wait-background.js";
import { processGone, readPid } from "../fixtures/process-state.js";
import { useLaneFixture } from "../helpers/lane-fixture.js";
import { callDirect, callResult } from "../helpers/tool-harness.js";
import { eventually, sleep } from "../helpers/temp-workspace.js";

const ws = useLaneFixture();

function tools(options: Partial<LaneManagerOptions> = {}) {
  const m = ws.manager(options);
  return {
    lanes: m,
    run: createBackgroundRunTool(m),
    check: createCheckBackgroundTool(m),
    wait: createWaitBackgroundTool(m),
    kill: createKillBackgroundTool(m),
    input: createSendBackgroundInputTool(m),
  };
}

const call = callDirect;

/** Starts a task through background_run and returns its id from the result's details. */
async function start(run: ReturnType<typeof tools>["run"], raw: Record<string, unknown>): Promise<string> {
  return (await callResult(run, raw)).details.task_id;
}

function stored(id: string) {
  const file = join(ws.dir, ".lanes", "tasks", `${id}.json`);
  return TaskRecordSchema.parse(JSON.parse(readFileSync(file, "utf8")));
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** The output section of a check_background reply (after its `--- output: ... ---` header). */
function outputOf(reply: string): string {
  const at = reply.indexOf("---\n", reply.indexOf("--- output:"));
  return at === -1 ? "" : reply.slice(at + 4);
}

describe("background_run", () => {
  it("returns the task id at once while the command keeps running", async () => {
    const { lanes, run } = tools();
    // Gated on a file the test creates only afterwards: the reply cannot have waited for the end.
    const { content: reply, details } = await callResult(run, {
      command: "until [ -e go ]; do sleep 0.05; done",
    });
    const id = details.task_id;
    expect(details.queued).toBe(false);
    expect(lanes.get(id)?.status).toBe("running");
    writeFileSync(join(ws.dir, "go"), "");
    expect(await lanes.wait([id], "all", 10_000)).toMatchObject({ timedOut: false });
    expect(reply).toContain(`.lanes/tasks/${id}.log`);
    expect(reply).toContain("notified");
  });

  it("names the task by the model's description before its command, as the task's later lines do", async () => {
    const { lanes, run } = tools();
    const { content, details } = await callResult(run, { command: "sleep 0.1", description: "short\nnap" });
    expect(content).toMatch(
      new RegExp(`^Background task ${details.task_id} started: short ⏎ nap: sleep 0.1 \\(`),
    );
    await lanes.whenEnded(details.task_id);
  });

  it("says a task is queued when its lane is at its limit", async () => {
    const { lanes, run } = tools({ laneLimits: { tests: 1 } });
    const { content: first, details: firstDetails } = await callResult(run, {
      command: "sleep 1",
      lane: "tests",
    });
    expect(first).not.toContain("Queued");
    const { content: second, details } = await callResult(run, { command: "sleep 0.1", lane: "tests" });
    expect([firstDetails.queued, details.queued]).toEqual([false, true]);
    // It names the task holding the slot, so the model knows what it waits for.
    const firstId = firstDetails.task_id;
    expect(second).toContain(`Queued: lane "tests" is at its limit of 1, held by ${firstId}: sleep 1;`);
    const id = details.task_id;
    expect(lanes.get(id)?.status).toBe("queued");
    // Said as it is: queued, not started.
    expect(first).toMatch(/^Background task \w+ started: sleep 1/);
    expect(second).toMatch(new RegExp(`^Background task ${id} queued: sleep 0.1`));
  });

  it("rejects an invalid notify_on regex with a clear error and starts nothing", async () => {
    const { lanes, run } = tools();
    await expect(call(run, { command: "echo hi", notify_on: "(ready" })).rejects.toThrow(ToolError);
    await expect(call(run, { command: "echo hi", notify_on: "(ready" })).rejects.toThrow(
      /`notify_on`: not a pattern lanes can match \(missing closing \)/,
    );
    expect(lanes.list()).toEqual([]);
  });
});

describe("check_background", () => {
  it('says "No background tasks." when there are none', async () => {
    const { check } = tools();
    expect(await call(check, {})).toBe("No background tasks.");
  });

  it("lists one line per task", async () => {
    const { lanes, run, check } = tools();
    const ids = [
      await start(run, { command: "sleep 1" }),
      await start(run, { command: "echo done" }),
      await start(run, { command: "exit 3" }),
    ];
    await lanes.whenEnded(ids[2] ?? "");
    const lines = (await call(check, {})).split("\n");
    expect(lines).toHaveLength(3);
    ids.forEach((id, i) => expect(lines[i]?.startsWith(`${id}  `)).toBe(true));
    expect(lines[2]).toContain("failed, exit 3");
  });

  it("lists a task whose command spans several lines on one line", async () => {
    const { run, check } = tools();
    await start(run, { command: "echo a\necho b\nsleep 1" });
    await start(run, { command: "sleep 1" });
    const lines = (await call(check, {})).split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain("echo a ⏎ echo b ⏎ sleep 1");
  });

  it("keeps a listing of many tasks with long commands under 30,000 chars and says how many were left out", async () => {
    const { lanes, run, check } = tools();
    const ids: string[] = [];
    for (let i = 0; i < 150; i++) ids.push(await start(run, { command: `: ${i} ${"y".repeat(400)}` }));
    await lanes.wait(ids, "all", 20_000);
    const reply = await call(check, {});
    expect(reply.length).toBeLessThan(30_000);
    expect(reply).toMatch(/^… \d+ earlier tasks? not shown/);
    expect(
      reply
        .split("\n")
        .at(-1)
        ?.startsWith(`${ids.at(-1)}  `),
    ).toBe(true);
  });

  it("shortens a very long command in one task's record so the reply stays under 30,000 chars", async () => {
    const { lanes, check } = tools();
    const command = `: ${"z".repeat(40_000)}`;
    // Straight to the lane manager: the guard in background_run is slow on a 40 KB word (reported).
    const { id } = lanes.start({ command });
    await lanes.whenEnded(id);
    const reply = await call(check, { task_id: id });
    expect(reply.length).toBeLessThan(30_000);
    expect(reply).toContain(`(${command.length} chars)`);
  });

  it("shows one task's status, exit code, duration, output size and file, and its last N lines", async () => {
    const { lanes, run, check } = tools();
    const id = await start(run, { command: "for i in $(seq 1 50); do echo line$i; done; exit 2" });
    await lanes.whenEnded(id);
    const reply = await call(check, { task_id: id, lines: 5 });
    expect(reply).toContain("status: failed, exit 2");
    expect(reply).toContain("exit_code: 2");
    expect(reply).toMatch(/^duration: \d+ms$/m);
    const bytes = readFileSync(join(ws.dir, ".lanes", "tasks", `${id}.log`)).length;
    expect(reply).toContain(`output: ${bytes} B in .lanes/tasks/${id}.log`);
    expect(outputOf(reply)).toBe("line46\nline47\nline48\nline49\nline50");
  });

  it('returns with output: "new" only what was printed since the previous read, nothing missed', async () => {
    const { lanes, run, check } = tools();
    // Prints n1..n10, waits for go1, n11..n20, waits for go2, then n21..n30: each read lands mid-task.
    const gated = (from: number, gate: string) =>
      `for i in $(seq ${from} ${from + 9}); do echo n$i; done; until [ -e ${gate} ]; do sleep 0.02; done`;
    const id = await start(run, {
      command: `${gated(1, "go1")}; ${gated(11, "go2")}; for i in $(seq 21 30); do echo n$i; done`,
    });
    const log = join(ws.dir, ".lanes", "tasks", `${id}.log`);
    const reads: string[] = [];
    expect(await eventually(() => sizeOf(log) >= 30, 10_000)).toBe(true); // "n1\n".."n10\n" is 30 bytes
    reads.push(outputOf(await call(check, { task_id: id, output: "new" })));
    writeFileSync(join(ws.dir, "go1"), "");
    expect(await eventually(() => sizeOf(log) >= 60, 10_000)).toBe(true);
    reads.push(outputOf(await call(check, { task_id: id, output: "new" })));
    writeFileSync(join(ws.dir, "go2"), "");
    await lanes.whenEnded(id);
    reads.push(outputOf(await call(check, { task_id: id, output: "new" })));
    const last = outputOf(await call(check, { task_id: id, output: "new" }));
    expect(reads[0]).not.toBe("(nothing)");
    const seen = reads.filter((text) => text !== "(nothing)").flatMap((text) => text.split("\n"));
    expect(seen).toEqual(Array.from({ length: 30 }, (_, i) => `n${i + 1}`));
    expect(last).toBe("(nothing)");
  });

  it('keeps a multibyte character whole when output: "new" reads between its bytes', async () => {
    const { lanes, run, check } = tools();
    const id = await start(run, {
      command: "printf 'caf\\303'; until [ -e go ]; do sleep 0.02; done; printf '\\251 ok\\n'",
    });
    const log = join(ws.dir, ".lanes", "tasks", `${id}.log`);
    expect(await eventually(() => sizeOf(log) === 4, 10_000)).toBe(true); // "caf" and the first byte of é
    const first = outputOf(await call(check, { task_id: id, output: "new" }));
    writeFileSync(join(ws.dir, "go"), "");
    await lanes.whenEnded(id);
    const second = outputOf(await call(check, { task_id: id, output: "new" }));
    expect(first + second).toBe("café ok");
  });

  it('reads output: "new" of a queued task that has no log yet as nothing', async () => {
    const { run, check } = tools({ laneLimits: { solo: 1 } });
    await start(run, { command: "sleep 1", lane: "solo" });
    const queued = await start(run, { command: "echo later", lane: "solo" });
    const reply = await call(check, { task_id: queued, output: "new" });
    expect(reply).toContain("status: queued");
    expect(outputOf(reply)).toBe("(nothing)");
  });

  it("returns only the lines matching grep", async () => {
    const { lanes, run, check } = tools();
    const id = await start(run, {
      command: "echo 'ok 1'; echo 'error: disk'; echo 'ok 2'; echo 'error: net'; echo 'ok 3'",
    });
    await lanes.whenEnded(id);
    const reply = await call(check, { task_id: id, grep: "^error" });
    expect(reply).toContain("2 matching line(s)");
    expect(outputOf(reply)).toBe("error: disk\nerror: net");
    await expect(call(check, { task_id: id, grep: "[" })).rejects.toThrow(/`grep`/);
  });

  it("keeps the reply for a task that printed 5 MB under 30,000 chars and says how many bytes were left out", async () => {
    const { lanes, run, check } = tools();
    const lines = await start(run, { command: "yes 'some log line' | head -c 5000000" });
    const oneLine = await start(run, { command: "head -c 5000000 /dev/zero | tr '\\0' x" });
    await lanes.wait([lines, oneLine], "all", 10_000);
    for (const raw of [
      { task_id: lines },
      { task_id: lines, lines: 5000 },
      { task_id: lines, grep: "log", lines: 5000 },
      { task_id: lines, output: "new" },
      { task_id: oneLine },
    ]) {
      const reply = await call(check, raw);
      expect(reply.length, JSON.stringify(raw)).toBeLessThan(30_000);
      expect(reply, JSON.stringify(raw)).toMatch(/; \d+ earlier bytes not shown/);
    }
  });

  it("marks an ended task delivered when checked, so no notification about it stays queued", async () => {
    const { lanes, run, check } = tools();
    const id = await start(run, { command: "echo hi" });
    await lanes.whenEnded(id);
    expect(lanes.notifications.has(id)).toBe(true);
    await call(check, { task_id: id });
    expect(lanes.notifications.has(id)).toBe(false);
    await lanes.flush();
    expect(stored(id).notified).toBe(true);
  });

  it("errors for an unknown task id", async () => {
    const { check } = tools();
    await expect(call(check, { task_id: "nope" })).rejects.toThrow(/No background task with id nope/);
  });
});

describe("wait_background", () => {
  it('returns at the first end with mode "any" and names the task still running', async () => {
    const { lanes, run, wait } = tools();
    const fast = await start(run, { command: "sleep 0.1; echo fast" });
    const slow = await start(run, { command: "until [ -e go ]; do sleep 0.05; done" });
    const reply = await call(wait, { task_ids: [fast, slow], mode: "any" });
    // The slow task waits for a file the test never creates: the reply came while it still ran.
    expect(lanes.get(slow)?.status).toBe("running");
    expect(reply).toContain(`[bg:${fast}] completed, exit 0`);
    expect(reply).toContain("fast");
    expect(reply).toContain(
      `Still running: ${slow} (until [ -e go ]; do sleep 0.05; done). You will be notified when they end.`,
    );
    expect(reply).not.toContain(`[bg:${slow}]`);
  });

  it("names each task by its description (else its command) in the ended lines and the still-running line", async () => {
    const { run, wait } = tools();
    const done = await start(run, { command: "echo built", description: "build the docs" });
    const plain = await start(run, { command: "true" });
    const slow = await start(run, { command: "sleep 30", description: "dev server" });
    const reply = await call(wait, { task_ids: [done, plain, slow], timeout_ms: 3_000 });
    expect(reply).toContain(`[bg:${done}] completed, exit 0`);
    expect(reply).toMatch(
      new RegExp(`\\[bg:${done}\\] completed, exit 0 in [^:]*: build the docs: echo built \\| output: built`),
    );
    expect(reply).toMatch(new RegExp(`\\[bg:${plain}\\] completed, exit 0 in [^:]*: true \\| no output`));
    expect(reply).toContain(`Still running (timed out after 3.0s): ${slow} (dev server).`);
  });

  it('waits for every task with mode "all"', async () => {
    const { run, wait } = tools();
    const a = await start(run, { command: "sleep 0.1" });
    const b = await start(run, { command: "sleep 0.4; exit 1" });
    const reply = await call(wait, { task_ids: [a, b], mode: "all" });
    expect(reply).toContain(`[bg:${a}] completed, exit 0`);
    expect(reply).toContain(`[bg:${b}] failed, exit 1`);
    expect(reply).not.toContain("Still running");
  });

  it("gives up at timeout_ms and says which tasks still run", async () => {
    const { lanes, run, wait } = tools();
    const id = await start(run, { command: "sleep 30" });
    const started = Date.now();
    const reply = await call(wait, { task_ids: [id], timeout_ms: 200 });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(lanes.get(id)?.status).toBe("running");
    expect(reply).toBe(
      `Still running (timed out after 200ms): ${id} (sleep 30). You will be notified when they end.`,
    );
  });

  it("waits for every running task when no ids are given", async () => {
    const { run, wait } = tools();
    expect(await call(wait, {})).toBe("No background tasks are running.");
    const a = await start(run, { command: "sleep 0.1" });
    const b = await start(run, { command: "sleep 0.3" });
    const { content: reply, details } = await callResult(wait, {});
    expect(details.ended.map((record) => record.id)).toEqual([a, b]);
    expect(reply.split("\n").map((line) => line.slice(0, `[bg:${a}]`.length))).toEqual([
      `[bg:${a}]`,
      `[bg:${b}]`,
    ]);
  });

  it("returns at once when the call is cancelled, naming the tasks still running", async () => {
    const { lanes, run, wait } = tools();
    const id = await start(run, { command: "sleep 30" });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    const reply = await call(wait, { task_ids: [id] }, controller.signal);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(lanes.get(id)?.status).toBe("running");
    expect(reply).toContain(`Still running (cancelled): ${id} (sleep 30).`);
  });

  it("errors for an unknown task id, naming task_ids", async () => {
    const { run, wait } = tools();
    const id = await start(run, { command: "sleep 0.1" });
    await expect(call(wait, { task_ids: [id, "nope"] })).rejects.toThrow(
      /`task_ids`: no background task with id nope/,
    );
  });

  it("counts the results it returns as delivered: nothing is notified again", async () => {
    const { lanes, run, wait } = tools();
    const a = await start(run, { command: "echo a" });
    const b = await start(run, { command: "sleep 0.2; exit 4" });
    await call(wait, { task_ids: [a, b] });
    await sleep(150);
    expect(lanes.drainNotifications()).toEqual([]);
    await lanes.flush();
    expect([stored(a).notified, stored(b).notified]).toEqual([true, true]);
  });
});

describe("kill_background", () => {
  it("ends a task's whole process tree, grandchild included", async () => {
    const { lanes, run, kill } = tools();
    const pidFile = join(ws.dir, "grandchild.pid");
    const id = await start(run, { command: `sh -c 'sleep 30 & echo $! > ${pidFile}; wait'` });
    expect(await eventually(() => readPid(pidFile) !== undefined)).toBe(true);
    const grandchild = readPid(pidFile) ?? 0;
    expect(processGone(grandchild)).toBe(false);
    const reply = await call(kill, { task_id: id });
    expect(reply).toContain(`Killed. [bg:${id}] killed`);
    expect(lanes.get(id)?.status).toBe("killed");
    expect(await eventually(() => processGone(grandchild), 5_000)).toBe(true);
  });

  it("ends a queued task before it starts", async () => {
    const { lanes, run, kill } = tools({ laneLimits: { solo: 1 } });
    await start(run, { command: "sleep 0.4", lane: "solo" });
    const queued = await start(run, { command: "echo never > never.txt", lane: "solo" });
    const reply = await call(kill, { task_id: queued });
    expect(reply).toContain(`Killed. [bg:${queued}] killed`);
    expect(lanes.get(queued)).toMatchObject({ status: "killed", started_at: null });
    await sleep(700);
    expect(lanes.get(queued)?.status).toBe("killed");
    expect(existsSync(join(ws.dir, "never.txt"))).toBe(false);
  });

  it("says a finished task had already ended and changes nothing", async () => {
    const { lanes, run, kill } = tools();
    const id = await start(run, { command: "echo done" });
    const before = await lanes.whenEnded(id);
    const reply = await call(kill, { task_id: id });
    expect(reply).toContain(`Task ${id} had already ended; nothing changed.`);
    expect(lanes.get(id)).toMatchObject({
      status: "completed",
      exit_code: 0,
      ended_at: before.ended_at,
      end_reason: null,
    });
  });

  it("errors for an unknown task id", async () => {
    const { kill } = tools();
    await expect(call(kill, { task_id: "nope" })).rejects.toThrow(/No background task with id nope/);
  });
});

describe("send_background_input", () => {
  it("round-trips lines through a task's read loop", async () => {
    const { lanes, run, input } = tools();
    const id = await start(run, {
      command: 'while read line; do echo "got $line"; [ "$line" = quit ] && exit 0; done',
    });
    const log = join(ws.dir, ".lanes", "tasks", `${id}.log`);
    const reply = await call(input, { task_id: id, text: "alpha\n" });
    expect(reply).toContain(`Sent 6 bytes to task ${id}`);
    expect(await eventually(() => readFileSync(log, "utf8") === "got alpha\n")).toBe(true);
    await call(input, { task_id: id, text: "quit\n" });
    const final = await lanes.whenEnded(id);
    expect(final.status).toBe("completed");
    expect(readFileSync(log, "utf8")).toBe("got alpha\ngot quit\n");
  });

  it("delivers EOF with close_stdin, so cat exits 0", async () => {
    const { lanes, run, input } = tools();
    const id = await start(run, { command: "cat" });
    const reply = await call(input, { task_id: id, text: "hello\n", close_stdin: true });
    expect(reply).toContain("and closed stdin");
    const final = await lanes.wait([id], "all", 5_000);
    expect(final.ended[0]).toMatchObject({ status: "completed", exit_code: 0 });
    expect(readFileSync(final.ended[0]?.output_file ?? "", "utf8")).toBe("hello\n");
  });

  it("errors for an unknown task and for a task that has ended", async () => {
    const { lanes, run, input } = tools();
    await expect(call(input, { task_id: "nope", text: "x" })).rejects.toThrow(ToolError);
    const id = await start(run, { command: "true" });
    await lanes.whenEnded(id);
    await expect(call(input, { task_id: id, text: "x\n" })).rejects.toThrow(/is completed, not running/);
  });
});
