/* eslint-disable @typescript-eslint/no-explicit-any -- JSON output is loose in tests */
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  startFakeAnthropic,
  textReply,
  toolReply,
  type FakeAnthropic,
  type FakeReply,
} from "../helpers/fake-anthropic-server.js";
import {
  lastUserText,
  resultLinesFor,
  toolResults,
  wellFormedProblems,
} from "../helpers/conversation-checks.js";
import { runCli, testEnv } from "../helpers/run-cli.js";
import { pidAlive, tempWorkspace } from "../helpers/temp-workspace.js";

let ws: { dir: string; cleanup: () => void };
let server: FakeAnthropic | undefined;
/** Process groups of tasks a test left running if it failed early. */
const taskGroups: number[] = [];
beforeEach(() => (ws = tempWorkspace()));
afterEach(async () => {
  for (const pgid of taskGroups.splice(0)) {
    try {
      if (pidAlive(pgid)) process.kill(-pgid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
  await server?.close();
  server = undefined;
  ws.cleanup();
});

/** Replies in order; once the script is used up, acknowledges whatever arrives (idle wakes). */
async function scripted(replies: FakeReply[]): Promise<FakeAnthropic> {
  server = await startFakeAnthropic((_request, index) => replies[index] ?? textReply(`ack ${index}`));
  return server;
}

function lanes(args: string[], fake: FakeAnthropic) {
  return runCli(args, {
    cwd: ws.dir,
    env: testEnv({ ANTHROPIC_API_KEY: "sk-test-key", ANTHROPIC_BASE_URL: fake.url, MODEL_ID: "claude-test" }),
  });
}

function taskIds(json: any): string[] {
  return json.background_tasks.map((task: any) => task.id);
}

describe("the chapter's Try It, end to end through the CLI and the real SDK", () => {
  it("1: runs `sleep && echo done` in the background and writes a file while it runs", async () => {
    // The task ends only once `go` exists, and the model creates it after the write_file result came back.
    const command = "until [ -f go ]; do sleep 0.05; done && echo done";
    const replies = [
      toolReply([{ name: "background_run", input: { command } }]),
      toolReply([
        { name: "write_file", input: { path: "notes/hello.ts", content: "export const hello = 1;\n" } },
      ]),
      textReply("File written; the background task is still running."),
      textReply("The background task finished and printed done."),
    ];
    let releasedAfterWrite = false;
    const fake = await startFakeAnthropic((_request, index) => {
      if (index === 2) {
        releasedAfterWrite = readFileSync(join(ws.dir, "notes/hello.ts"), "utf8").length > 0;
        writeFileSync(join(ws.dir, "go"), "");
      }
      return replies[index] ?? textReply(`ack ${index}`);
    });
    server = fake;
    const run = await lanes(["-p", "run it", "--output-format", "json"], fake);
    expect(run.code).toBe(0);
    const json = JSON.parse(run.stdout);
    expect(json.result).toBe("The background task finished and printed done.");
    expect(readFileSync(join(ws.dir, "notes/hello.ts"), "utf8")).toBe("export const hello = 1;\n");
    const id = taskIds(json)[0] as string;
    expect(json.background_tasks[0]).toMatchObject({ status: "completed", exit_code: 0 });
    // The id came back before the command ended: the file was written while it still ran.
    const started = toolResults(fake.requests[1]!)[0].content as string;
    expect(started).toMatch(new RegExp(`^Background task ${id} started`));
    // Ordering, not speed: the file existed when the task was released, and before its record ended.
    expect(releasedAfterWrite).toBe(true);
    const record = JSON.parse(readFileSync(join(ws.dir, ".lanes", "tasks", `${id}.json`), "utf8"));
    if (typeof record.pid === "number") taskGroups.push(record.pid);
    expect(statSync(join(ws.dir, "notes/hello.ts")).mtimeMs).toBeLessThanOrEqual(Date.parse(record.ended_at));
    // The idle model was woken with the result: the 4th request carries it.
    expect(fake.requests).toHaveLength(4);
    const escaped = command.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    expect(lastUserText(fake.requests[3]!)).toMatch(
      new RegExp(`\\[bg:${id}\\] completed, exit 0 in [\\d.]+m?s: ${escaped} \\| output: done`),
    );
    expect(resultLinesFor(fake.requests[3]!, id)).toBe(1);
    for (const request of fake.requests) expect(wellFormedProblems(request.body.messages)).toEqual([]);
  });

  it("2: starts three tasks, lists them while running, and each result arrives once", async () => {
    const fake = await scripted([
      toolReply([1, 2, 3].map((s) => ({ name: "background_run", input: { command: `sleep ${s}` } }))),
      toolReply([{ name: "check_background", input: {} }]),
      textReply("Three tasks are running."),
    ]);
    const started = Date.now();
    const run = await lanes(["-p", "three", "--output-format", "json"], fake);
    const wall = Date.now() - started;
    expect(run.code).toBe(0);
    const json = JSON.parse(run.stdout);
    const ids = taskIds(json);
    expect(ids).toHaveLength(3);
    const listing = toolResults(fake.requests[2]!)[0].content as string;
    for (const id of ids) expect(listing).toMatch(new RegExp(`${id}\\s+running`));
    expect(json.background_tasks.every((task: any) => task.status === "completed")).toBe(true);
    // Overlap, read from the records (CLI start-up on a loaded machine is not the point): every task
    // started before any ended, and 6 s of sleeping took well under 6 s.
    const records = ids.map((id) =>
      JSON.parse(readFileSync(join(ws.dir, ".lanes", "tasks", `${id}.json`), "utf8")),
    );
    const starts = records.map((r) => Date.parse(r.started_at));
    const ends = records.map((r) => Date.parse(r.ended_at));
    expect(Math.max(...starts)).toBeLessThan(Math.min(...ends));
    expect(Math.max(...ends) - Math.min(...starts)).toBeLessThan(4500);
    expect(wall).toBeLessThan(30_000);
    const last = fake.requests.at(-1)!;
    for (const id of ids) expect(resultLinesFor(last, id)).toBe(1);
    for (const request of fake.requests) expect(wellFormedProblems(request.body.messages)).toEqual([]);
  });

  it("3: runs a failing test suite in the background while editing, and reports the true exit code", async () => {
    writeFileSync(
      join(ws.dir, "run-tests.sh"),
      "echo 'test a ... ok'\nsleep 1\necho 'test b ... FAILED' >&2\necho '1 passed, 1 failed'\nexit 1\n",
    );
    writeFileSync(join(ws.dir, "config.txt"), "mode = slow\n");
    const fake = await scripted([
      toolReply([
        { name: "background_run", input: { command: "sh run-tests.sh", description: "test suite" } },
      ]),
      toolReply([{ name: "read_file", input: { path: "config.txt" } }]),
      toolReply([{ name: "edit_file", input: { path: "config.txt", old_text: "slow", new_text: "fast" } }]),
      textReply("Edited the config while the tests run."),
    ]);
    const run = await lanes(["-p", "test", "--output-format", "json"], fake);
    expect(run.code).toBe(0);
    const json = JSON.parse(run.stdout);
    expect(json.background_tasks[0]).toMatchObject({ status: "failed", exit_code: 1 });
    expect(readFileSync(join(ws.dir, "config.txt"), "utf8")).toBe("mode = fast\n");
    const injected = lastUserText(fake.requests.at(-1)!);
    expect(injected).toContain("<background-results>");
    expect(injected).toMatch(/failed, exit 1 .*test b \.\.\. FAILED ⏎ 1 passed, 1 failed/);
    expect(json.tool_calls.map((call: any) => call.name)).toEqual([
      "background_run",
      "read_file",
      "edit_file",
    ]);
  });
});

describe("print mode", () => {
  it("exits 2 when no API key is set, saying in three lines how to set one and how to go on without", async () => {
    const run = await runCli(["-p", "hi"], { cwd: ws.dir, env: testEnv() });
    expect(run.code).toBe(2);
    const lines = run.stderr.trim().split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(
      /^lanes: no API key set\..*ANTHROPIC_API_KEY.*ANTHROPIC_AUTH_TOKEN.*lanes trust/,
    );
    expect(lines[1]).toMatch(/lanes demo.*--model script:/);
    expect(lines[2]).toMatch(/lanes doctor/);
    expect(run.stdout).toBe("");
  });

  it("reads the key, endpoint and model from a trusted workspace's .env, the shell's values winning", async () => {
    const fake = await scripted([textReply("configured by .env")]);
    writeFileSync(
      join(ws.dir, ".env"),
      `ANTHROPIC_API_KEY=sk-from-dotenv\nANTHROPIC_BASE_URL=${fake.url}\nMODEL_ID=from-dotenv\n`,
    );
    const env = testEnv({ MODEL_ID: "from-shell" });
    // An untrusted workspace's .env may not set endpoints or keys (tests/reliability/trust.test.ts).
    expect((await runCli(["trust"], { cwd: ws.dir, env })).code).toBe(0);
    const run = await runCli(["-p", "hi"], { cwd: ws.dir, env });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe("configured by .env\n");
    expect(fake.requests[0]?.body.model).toBe("from-shell");
    expect(JSON.stringify(fake.requests[0]?.headers)).toContain("sk-from-dotenv");
  });

  it("prints the final answer in text mode", async () => {
    const fake = await scripted([textReply("Hello from the model.")]);
    const run = await lanes(["-p", "hi"], fake);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe("Hello from the model.\n");
  });

  it("streams one JSON event per line, ending with the result", async () => {
    const fake = await scripted([
      toolReply([{ name: "background_run", input: { command: "echo streamed" } }]),
      textReply("started"),
      textReply("finished"),
    ]);
    const run = await lanes(["-p", "go", "--output-format", "stream-json"], fake);
    expect(run.code).toBe(0);
    const events = run.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    const types = events.map((event) => event.type);
    // The first event says which session this is, the same id the result ends with.
    expect(events[0]).toEqual({
      type: "session-start",
      session_id: events.at(-1).session_id,
      provider: "anthropic",
      model: "claude-test",
      cwd: ws.dir,
    });
    for (const type of [
      "tool-call",
      "tool-result",
      "task-start",
      "task-end",
      "background-results",
      "assistant-message",
    ]) {
      expect(types).toContain(type);
    }
    expect(types.at(-1)).toBe("result");
    expect(types.indexOf("task-end")).toBeLessThan(types.indexOf("background-results"));
    expect(events.at(-1)).toMatchObject({ result: "finished", is_error: false, num_turns: 3 });
  });

  it("answers malformed tool input and unknown tools with is_error results and goes on", async () => {
    const fake = await scripted([
      toolReply([
        { name: "bash", input: { command: 42 } },
        { name: "background_run", input: { timeout_ms: "ten" } },
        { name: "teleport", input: {} },
      ]),
      textReply("recovered"),
    ]);
    const run = await lanes(["-p", "x", "--output-format", "json"], fake);
    expect(run.code).toBe(0);
    const results = toolResults(fake.requests[1]!);
    expect(results.map((r: any) => r.is_error)).toEqual([true, true, true]);
    expect(results[0].content).toContain("`command`: expected a string, got a number 42");
    expect(results[1].content).toMatch(/`command`/);
    expect(results[1].content).toContain('`timeout_ms`: expected a number, got a string "ten"');
    expect(results[2].content).toMatch(/Unknown tool "teleport"/);
    expect(JSON.parse(run.stdout).tool_calls.map((c: any) => c.is_error)).toEqual([true, true, true]);
  });

  it("kills tasks still running when --max-wait runs out: a failed run (is_error, exit 1) that says so", async () => {
    const fake = await scripted([
      toolReply([{ name: "background_run", input: { command: "sleep 60" } }]),
      textReply("waiting"),
    ]);
    const run = await lanes(["-p", "x", "--output-format", "json", "--max-wait", "1"], fake);
    const json = JSON.parse(run.stdout);
    const [task] = json.background_tasks;
    const record = JSON.parse(readFileSync(join(ws.dir, ".lanes", "tasks", `${task.id}.json`), "utf8"));
    expect(typeof record.pid).toBe("number");
    taskGroups.push(record.pid);
    // Work the run started did not finish: that is a failed run, whatever the model said before.
    expect(run.code, run.stderr).toBe(1);
    expect(json.is_error).toBe(true);
    expect(task.status).toBe("killed");
    expect(json.result).toMatch(/--max-wait ran out: killed still-running background tasks/);
    // The task's process (its group leader) is really gone, not just recorded as killed.
    expect(pidAlive(record.pid)).toBe(false);
  });

  it("refuses a dangerous command in the background as in the foreground", async () => {
    const fake = await scripted([
      toolReply([
        { name: "background_run", input: { command: "rm -rf /" } },
        { name: "bash", input: { command: "rm -fr ~" } },
      ]),
      textReply("ok"),
    ]);
    const run = await lanes(["-p", "x", "--output-format", "json"], fake);
    expect(run.code).toBe(0);
    const results = toolResults(fake.requests[1]!);
    expect(results).toHaveLength(2);
    for (const result of results) {
      expect(result.is_error).toBe(true);
      expect(result.content).toMatch(/refused by the safety guard/);
    }
    // Neither command became a task: no record was written.
    expect(readdirSync(join(ws.dir, ".lanes", "tasks")).filter((name) => name.endsWith(".json"))).toEqual([]);
    expect(JSON.parse(run.stdout).background_tasks).toEqual([]);
  });
});
