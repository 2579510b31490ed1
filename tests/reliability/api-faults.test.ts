/* eslint-disable @typescript-eslint/no-explicit-any -- JSON output, records and request bodies are loose in tests */
import { randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { resultLinesFor, userTexts, wellFormedProblems } from "../helpers/conversation-checks.js";
import {
  startFakeAnthropic,
  textReply,
  toolReply,
  type CapturedRequest,
  type FakeAnthropic,
  type FakeAnthropicOptions,
  type FakeHandler,
  type FakeReply,
} from "../helpers/fake-anthropic-server.js";
import { findByEnv, killByEnv, waitForCount } from "../helpers/process-tree.js";
import { cliSlots } from "../helpers/cli-slots.js";
import { recordReliability } from "../helpers/reliability.js";
import { runCli, testEnv, type CliRun } from "../helpers/run-cli.js";
import { eventually, tempWorkspace } from "../helpers/temp-workspace.js";

// Every process a run starts inherits this from lanes' own environment, so cleanup finds them all.
const TOKEN = `api-faults-${randomBytes(4).toString("hex")}`;
const API_KEY = `sk-ant-test-${randomBytes(8).toString("hex")}`;

// The tests run side by side, so each cleans up only what it started; this catches anything left over.
afterAll(() => void killByEnv("ORPHAN_PROBE", (value) => value.startsWith(TOKEN)));

const slot = cliSlots(3);
/** Tests run side by side and wait their turn for a CLI slot: bounds are generous, not tight. */
const TIMEOUT_MS = 120_000;

type OnFinished = (cleanup: () => void | Promise<void>) => void;

/** A workspace whose processes (by `token`) and files go when the test finishes, whatever happened. */
function workspace(onFinished: OnFinished, token: string): string {
  const ws = tempWorkspace("lanes-api-faults-");
  onFinished(() => {
    killByEnv("ORPHAN_PROBE", token);
    ws.cleanup();
  });
  return ws.dir;
}

async function fake(
  onFinished: OnFinished,
  handler: FakeHandler,
  options: FakeAnthropicOptions = {},
): Promise<FakeAnthropic> {
  const server = await startFakeAnthropic(handler, options);
  onFinished(() => server.close());
  return server;
}

/** `token` marks every process of one run (lanes and what it starts), so runs side by side count apart. */
function env(server: FakeAnthropic, token: string): NodeJS.ProcessEnv {
  return testEnv({
    ANTHROPIC_API_KEY: API_KEY,
    ANTHROPIC_BASE_URL: server.url,
    MODEL_ID: "claude-test",
    LANES_RETRY_BASE_MS: "5",
    LANES_MAX_RETRIES: "3",
    LANES_REQUEST_TIMEOUT_MS: "1500",
    ORPHAN_PROBE: token,
  });
}

function records(dir: string): any[] {
  const tasks = join(dir, ".lanes", "tasks");
  return readdirSync(tasks)
    .filter((name) => name.endsWith(".json"))
    .map((name) => JSON.parse(readFileSync(join(tasks, name), "utf8")));
}

function events(run: CliRun): any[] {
  return run.stdout
    .split("\n")
    .filter((line) => line.trim().length > 0)
    .map((line) => JSON.parse(line));
}

/** True once the request carries a `<background-results>` block (the call that delivers a result). */
function carriesResult(request: CapturedRequest): boolean {
  return userTexts(request.body.messages).some((text) => text.includes("<background-results>"));
}

function hasToolResult(request: CapturedRequest): boolean {
  return request.body.messages.some(
    (m: any) => Array.isArray(m.content) && m.content.some((b: any) => b.type === "tool_result"),
  );
}

/**
 * Turn 1 starts a background task that prints r1 once turn 2 has been answered; turn 2 ends the turn, so
 * the result arrives through the idle wake however slow the machine. That call gets `fault` `times`
 * times, then an answer. `answered` says which requests got a real reply.
 */
function faultOnDelivery(dir: string, fault: FakeReply, times: number, answered: Set<number>): FakeHandler {
  let left = times;
  return (request, index) => {
    if (!hasToolResult(request)) {
      answered.add(index);
      const command = "until [ -e turn-2-answered ]; do sleep 0.05; done; echo r1";
      return toolReply([{ name: "background_run", input: { command } }]);
    }
    if (!carriesResult(request)) {
      answered.add(index);
      writeFileSync(join(dir, "turn-2-answered"), "");
      return textReply("Started; I will wait for the result.");
    }
    if (left-- > 0) return fault;
    answered.add(index);
    return textReply("r1 arrived");
  };
}

interface FaultCase {
  name: string;
  fault: FakeReply;
  times: number;
}

const FAULTS: FaultCase[] = [
  {
    name: "429 with retry-after: 1",
    fault: { kind: "error", status: 429, headers: { "retry-after": "1" } },
    times: 2,
  },
  { name: "500 api_error", fault: { kind: "error", status: 500 }, times: 2 },
  { name: "529 overloaded", fault: { kind: "error", status: 529 }, times: 2 },
  { name: "connection reset mid-stream", fault: { kind: "reset" }, times: 2 },
  { name: "malformed SSE", fault: { kind: "malformed" }, times: 2 },
  { name: "overloaded error event inside a 200 stream", fault: { kind: "sse-error" }, times: 2 },
  { name: "no answer at all (hang)", fault: { kind: "hang" }, times: 1 },
  { name: "stream stops halfway (stall)", fault: { kind: "stall" }, times: 1 },
];

interface CaseOutcome {
  name: string;
  faultsSeen: number;
  lost: number;
  left: number;
}

async function runFaultCase(onFinished: OnFinished, fault: FaultCase, index: number): Promise<CaseOutcome> {
  const token = `${TOKEN}-fault-${index}`;
  const dir = workspace(onFinished, token);
  const answered = new Set<number>();
  const server = await fake(onFinished, faultOnDelivery(dir, fault.fault, fault.times, answered));
  const run = await slot(() =>
    runCli(["-p", "run r1 in the background", "--output-format", "stream-json"], {
      cwd: dir,
      env: env(server, token),
    }),
  );
  const context = `${fault.name}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`;
  expect(run.code, context).toBe(0);
  const all = events(run);
  const summary = all.at(-1);
  expect(summary, context).toMatchObject({ type: "result", is_error: false, result: "r1 arrived" });

  // Retried: the server saw each failed attempt, and the loop reported each retry.
  const retries = all.filter((event) => event.type === "model-retry");
  expect(server.requests, context).toHaveLength(3 + fault.times);
  expect(retries, context).toHaveLength(fault.times);
  if (fault.fault.kind === "error" && fault.fault.headers?.["retry-after"] === "1") {
    for (const retry of retries) expect(retry.delay_ms, context).toBe(1000);
  }
  // A stream cut after some text: the retry event hands that text back, so views drop it.
  const cutMidText = fault.fault.kind === "reset" || fault.fault.kind === "stall";
  for (const retry of retries) expect(retry.discarded_text, context).toBe(cutMidText ? "Partial" : "");
  // The result came through the idle wake, not an earlier call.
  const deliveries = all.filter((event) => event.type === "background-results");
  expect(
    deliveries.map((event) => event.trigger),
    context,
  ).toEqual(["idle-wake"]);

  // The task was untouched by the failures; whether it is recorded as delivered is counted below.
  const [record] = records(dir);
  expect(record, context).toMatchObject({ status: "completed", exit_code: 0 });
  expect(summary.background_tasks, context).toEqual([
    expect.objectContaining({ id: record.id, status: "completed", exit_code: 0 }),
  ]);

  // Every attempt of the delivering call carried the result exactly once (a retry does not add it again),
  // and exactly one request carrying it succeeded: the last one.
  const carrying = server.requests.flatMap((request, index) => (carriesResult(request) ? [index] : []));
  expect(carrying, context).toHaveLength(fault.times + 1);
  // Lost items, counted (the caller asserts 0): the result missing from or doubled in an attempt that
  // carried it, and a record not marked notified.
  const lost =
    carrying.reduce(
      (sum, index) => sum + Math.abs(resultLinesFor(server.requests[index]!, record.id) - 1),
      0,
    ) + (record.notified === true ? 0 : 1);
  expect(
    carrying.filter((index) => answered.has(index)),
    context,
  ).toEqual([server.requests.length - 1]);
  const final = server.requests.at(-1)!;
  expect(wellFormedProblems(final.body.messages), context).toEqual([]);
  expect(`${run.stdout}${run.stderr}`).not.toContain(API_KEY);

  const left = await waitForCount(
    () => findByEnv("ORPHAN_PROBE", token).length,
    (n) => n === 0,
    3000,
  );
  return {
    name: fault.name,
    faultsSeen: server.requests.length - answered.size,
    lost,
    left,
  };
}

describe.concurrent("faults from the model API, end to end through lanes -p", () => {
  it(
    "each transient fault on the call that delivers a finished task's result is retried; the result arrives once",
    { timeout: TIMEOUT_MS },
    async ({ task, onTestFinished: onFinished }) => {
      const outcomes = await Promise.all(
        FAULTS.map((fault, index) => runFaultCase(onFinished, fault, index)),
      );
      const faults = outcomes.reduce((sum, outcome) => sum + outcome.faultsSeen, 0);
      expect(faults).toBe(FAULTS.reduce((sum, fault) => sum + fault.times, 0));
      const left = outcomes.reduce((sum, outcome) => sum + outcome.left, 0);
      const lost = outcomes.reduce((sum, outcome) => sum + outcome.lost, 0);
      expect({ left, lost }).toEqual({ left: 0, lost: 0 });
      recordReliability(task, {
        area: "API faults",
        does: "429 (retry-after 1), 500, 529, reset mid-stream, malformed SSE, error event, hang, stall hit the idle-wake call carrying a finished task's result; retried, run succeeds, result in exactly one successful request, record notified",
        cases: outcomes.length,
        faultsSurvived: faults,
        processesLeft: left,
        itemsLost: lost,
      });
    },
  );

  it(
    "after the last try a clear one-line error; the result stays undelivered on disk and the next run delivers it once",
    { timeout: TIMEOUT_MS },
    async ({ task, onTestFinished: onFinished }) => {
      const token = `${TOKEN}-persistent`;
      const dir = workspace(onFinished, token);
      const answered = new Set<number>();
      const overloaded: FakeReply = { kind: "error", status: 529 };
      const failing = await fake(
        onFinished,
        faultOnDelivery(dir, overloaded, Number.POSITIVE_INFINITY, answered),
      );
      const failed = await slot(() =>
        runCli(["-p", "run r1 in the background"], { cwd: dir, env: env(failing, token) }),
      );

      expect(failed.code).toBe(1);
      // 2 good calls, then the delivering call: 1 attempt + LANES_MAX_RETRIES=3 retries, all 529.
      expect(failing.requests).toHaveLength(2 + 4);
      const errorLines = failed.stderr.trim().split("\n");
      // The error, what it means with the endpoint named, and how to go on from the saved conversation.
      expect(errorLines).toEqual([
        expect.stringMatching(/^Error: Anthropic API: 529 overloaded_error after 4 attempts: \S/),
        expect.stringMatching(
          /^The model API at http:\/\/127\.0\.0\.1:\d+ is busy: try again in a minute\.$/,
        ),
        expect.stringMatching(
          /^The conversation is saved: lanes --resume \S+ -p "\.\.\." goes on from it\.$/,
        ),
      ]);
      expect(failed.stdout).toBe("");
      expect(`${failed.stdout}${failed.stderr}`).not.toMatch(/\n\s+at .+:\d+:\d+/);
      expect(`${failed.stdout}${failed.stderr}`).not.toContain(API_KEY);
      const [undelivered] = records(dir);
      expect(undelivered).toMatchObject({ status: "completed", exit_code: 0, notified: false });

      const healthy = await fake(onFinished, () => textReply("r1 arrived after all"));
      const second = await slot(() =>
        runCli(["-p", "anything new?", "--output-format", "json"], {
          cwd: dir,
          env: env(healthy, token),
        }),
      );
      expect(second.code, second.stderr).toBe(0);
      expect(JSON.parse(second.stdout)).toMatchObject({ is_error: false, result: "r1 arrived after all" });
      expect(healthy.requests).toHaveLength(1);
      const delivered = healthy.requests[0]!;
      expect(userTexts(delivered.body.messages).join("\n")).toContain("output: r1");
      const [after] = records(dir);
      expect(after).toMatchObject({ id: undelivered.id, status: "completed" });
      // The one result: missing or doubled in the delivering request, or its record not marked notified.
      const lost =
        Math.abs(resultLinesFor(delivered, undelivered.id) - 1) + (after.notified === true ? 0 : 1);
      const left = await waitForCount(
        () => findByEnv("ORPHAN_PROBE", token).length,
        (n) => n === 0,
        3000,
      );
      expect({ left, lost }).toEqual({ left: 0, lost: 0 });
      recordReliability(task, {
        area: "API faults",
        does: "persistent 529 on the delivering call: exit 1, one-line error without stack or key, record left notified=false; the next lanes -p delivers the result exactly once",
        cases: 2,
        faultsSurvived: failing.requests.length - answered.size,
        processesLeft: left,
        itemsLost: lost,
      });
    },
  );

  it(
    "the REPL keeps the conversation after a call fails for good, and a result carried by the failed call is delivered by the next",
    { timeout: TIMEOUT_MS },
    async ({ task, onTestFinished: onFinished }) => {
      const token = `${TOKEN}-repl`;
      const dir = workspace(onFinished, token);
      let failures = 0;
      const server = await fake(onFinished, async (request) => {
        const texts = userTexts(request.body.messages).join("\n");
        if (texts.includes("third question")) return textReply("third answer");
        if (texts.includes("second question")) {
          failures++;
          return { kind: "error", status: 529 };
        }
        if (!hasToolResult(request)) {
          return toolReply([{ name: "background_run", input: { command: "echo r1" } }]);
        }
        // The next message must find the task ended, so its call carries the result.
        await eventually(() => records(dir)[0]?.status === "completed", 5000);
        return textReply("first answer");
      });
      const run = await slot(() =>
        runCli([], {
          cwd: dir,
          env: env(server, token),
          input: "first question\nsecond question\nthird question\n",
        }),
      );

      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/Error: Anthropic API: 529 overloaded_error after 4 attempts/);
      expect(run.stdout).toContain("The conversation is kept");
      expect(run.stdout).toContain("third answer");
      expect(`${run.stdout}${run.stderr}`).not.toContain(API_KEY);
      expect(failures).toBe(4);
      const [record] = records(dir);
      const failedCall = server.requests.find((request) =>
        userTexts(request.body.messages).join("\n").includes("second question"),
      )!;
      expect(resultLinesFor(failedCall, record.id)).toBe(1);
      const last = server.requests.at(-1)!;
      const texts = userTexts(last.body.messages).join("\n");
      for (const question of ["first question", "second question", "third question"]) {
        expect(texts).toContain(question);
      }
      expect(last.body.messages.some((m: any) => JSON.stringify(m.content).includes("first answer"))).toBe(
        true,
      );
      expect(wellFormedProblems(last.body.messages)).toEqual([]);
      // The result rode along with the failed call and reached the model with the third: delivered once.
      expect(record).toMatchObject({ status: "completed", exit_code: 0 });
      const lost = Math.abs(resultLinesFor(last, record.id) - 1) + (record.notified === true ? 0 : 1);
      const left = await waitForCount(
        () => findByEnv("ORPHAN_PROBE", token).length,
        (n) => n === 0,
        3000,
      );
      expect({ left, lost }).toEqual({ left: 0, lost: 0 });
      recordReliability(task, {
        area: "API faults",
        does: "REPL: a message whose call fails for good (529 x4) shows the error; the next message's request still holds the earlier messages and the result the failed call carried, once, then marked notified",
        cases: 1,
        faultsSurvived: failures,
        processesLeft: left,
        itemsLost: lost,
      });
    },
  );

  it(
    "a prompt refused as too long while a task runs is compacted and sent once more (a reset on that retry too); each result is delivered once",
    { timeout: TIMEOUT_MS },
    async ({ task, onTestFinished: onFinished }) => {
      const token = `${TOKEN}-too-long`;
      const dir = workspace(onFinished, token);
      // lanes believes the window is huge, so only the API's refusal can make it compact.
      mkdirSync(join(dir, ".lanes"), { recursive: true });
      writeFileSync(join(dir, ".lanes", "config.json"), JSON.stringify({ context_window: 1_000_000 }));
      const gate = join(dir, "gate");
      const seen = new Set<number>();
      let refusedYet = false;
      let reset = -1;
      const handler: FakeHandler = (request, index) => {
        seen.add(index);
        // A refusal is a request the fake answered before the handler: an index the handler never saw.
        if (!refusedYet && index > 0 && !seen.has(index - 1)) {
          refusedYet = true;
          writeFileSync(gate, "");
          reset = index;
          return { kind: "reset" };
        }
        const body = JSON.stringify(request.body);
        if (!hasToolResult(request)) {
          return toolReply([
            { name: "background_run", input: { command: "echo early-r" } },
            {
              name: "background_run",
              input: { command: `until [ -e ${gate} ]; do sleep 0.05; done; echo "late""-r"` },
            },
          ]);
        }
        if (body.includes("late-r") || index > 40) return textReply("both arrived");
        const command = `printf 'out${index}:'; head -c 6000 /dev/zero | tr '\\0' a; echo`;
        return toolReply([{ name: "bash", input: { command } }]);
      };
      const server = await fake(onFinished, handler, { contextWindow: 9_000 });
      const run = await slot(() =>
        runCli(["-p", "start both and keep working", "--output-format", "stream-json"], {
          cwd: dir,
          env: env(server, token),
        }),
      );
      const context = `stdout:\n${run.stdout.slice(-3000)}\nstderr:\n${run.stderr}`;
      expect(run.code, context).toBe(0);
      const all = events(run);
      expect(all.at(-1), context).toMatchObject({ type: "result", is_error: false, result: "both arrived" });
      const refused = server.requests.map((_r, index) => index).filter((index) => !seen.has(index));
      expect(refused.length, context).toBeGreaterThan(0);
      // Never two refusals in a row: each compaction made the retry fit.
      for (const index of refused) expect(seen.has(index + 1), context).toBe(true);
      expect(reset, context).toBeGreaterThan(0);
      expect(all.filter((event) => event.type === "compaction").map((event) => event.reason)).toContain(
        "refused",
      );
      expect(all.some((event) => event.type === "model-retry")).toBe(true);
      const tasks = records(dir);
      expect(tasks).toHaveLength(2);
      const deliveries = (id: string) =>
        all.filter((event) => event.type === "background-results" && event.task_ids.includes(id)).length;
      // Lost: a result delivered other than once, or its record not marked notified.
      const lost = tasks.reduce(
        (sum, record) => sum + Math.abs(deliveries(record.id) - 1) + (record.notified === true ? 0 : 1),
        0,
      );
      expect(wellFormedProblems(server.requests.at(-1)!.body.messages)).toEqual([]);
      const left = await waitForCount(
        () => findByEnv("ORPHAN_TOKEN", token).length,
        (n) => n === 0,
        3000,
      );
      expect({ left, lost }).toEqual({ left: 0, lost: 0 });
      recordReliability(task, {
        area: "API faults",
        does: "400 prompt is too long (fake context window) while a background task runs, then a reset on the retry: compacted, sent once more, run succeeds; each result delivered once and notified",
        cases: 1,
        faultsSurvived: refused.length + 1,
        processesLeft: left,
        itemsLost: lost,
      });
    },
  );
});
