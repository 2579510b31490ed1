import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { noticeText } from "../../src/present/notice-text.js";
import { LaneManager } from "../../src/lanes/lane-manager.js";
import type { ToolResultBlock } from "../../src/model/types.js";
import { createToolset } from "../../src/tools/toolset.js";
import { uncleanReason } from "../helpers/clean-text.js";
import { liveProcessesWithEnv } from "../helpers/marked-processes.js";
import { recordReliability } from "../helpers/reliability.js";
import { eventually, tempWorkspace } from "../helpers/temp-workspace.js";
import {
  absurdNumber,
  deeplyNested,
  garbage,
  harmlessCommand,
  maybe,
  mostly,
  nastyString,
  withoutRunnableCommand,
  wrongShape,
} from "../helpers/tool-input-arbitraries.js";
import {
  callTool,
  schemaRejects,
  startedId,
  toolMap,
  within,
  type ToolMap,
} from "../helpers/tool-harness.js";

// One workspace for the whole file, with an `outside` sibling that nothing may ever touch.
let base: { dir: string; cleanup: () => void };
let ws: string;
let outside: string;
let lanes: LaneManager;
let quietLanes: LaneManager;
let tools: ToolMap;
let quietTools: ToolMap;
let catId: string;
let endedIds: string[];
/** Every process the fuzzed tools start carries this, so leftovers are found even if lanes lost them. */
const RUN_MARK = `bad-input-${randomBytes(4).toString("hex")}`;
const ROOT_CANARY = "/lanes-fuzz-canary";
/** Fixed so the ledger's figures are stable from run to run; LANES_FUZZ_SEED explores other inputs. */
const SEED = Number(process.env.LANES_FUZZ_SEED ?? 4242);
let outsideBefore: string[];
let rootBefore: string[];
let prototypeBefore: string[];

/** Every entry below `dir` with its type and size: what "nothing written there" is checked against. */
function snapshot(dir: string): string[] {
  const entries: string[] = [];
  const walk = (current: string, prefix: string): void => {
    for (const name of readdirSync(current).sort()) {
      const stats = lstatSync(join(current, name));
      entries.push(`${prefix}${name}:${stats.isDirectory() ? "dir" : stats.size}`);
      if (stats.isDirectory()) walk(join(current, name), `${prefix}${name}/`);
    }
  };
  walk(dir, "");
  return entries;
}

function manager(workspace: string): LaneManager {
  return new LaneManager({
    ownerPid: process.pid,
    workspace,
    env: { ...process.env, LANES_FUZZ_RUN: RUN_MARK },
    killGraceMs: 200,
    tickMs: 50,
    stallMs: 0,
  });
}

beforeAll(async () => {
  base = tempWorkspace("lanes-bad-input-");
  ws = join(base.dir, "ws");
  outside = join(base.dir, "outside");
  mkdirSync(join(ws, "dir"), { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(outside, "canary.txt"), "CANARY\n");
  writeFileSync(join(ws, "a.txt"), "alpha\nbeta\n");
  writeFileSync(join(ws, "dir", "b.txt"), "bravo\n");
  symlinkSync(outside, join(ws, "out-link"));
  symlinkSync(join(outside, "canary.txt"), join(ws, "out-file"));
  symlinkSync("a.txt", join(ws, "in-link"));
  symlinkSync("loop2", join(ws, "loop1"));
  symlinkSync("loop1", join(ws, "loop2"));
  symlinkSync("/proc/self/environ", join(ws, "environ-link"));
  execFileSync("mkfifo", [join(ws, "fifo")]);
  symlinkSync("fifo", join(ws, "fifo-link"));
  lanes = manager(ws);
  mkdirSync(join(base.dir, "quiet"));
  quietLanes = manager(join(base.dir, "quiet"));
  tools = toolMap(createToolset(lanes, { backgroundAfterMs: 5_000 }));
  quietTools = toolMap(createToolset(quietLanes));
  catId = lanes.start({ command: "cat", lane: "stdin" }).id;
  const ended = [lanes.start({ command: "echo done" }), lanes.start({ command: "exit 3" })];
  const quietEnded = [quietLanes.start({ command: "echo quiet" }), quietLanes.start({ command: "exit 4" })];
  for (const record of [...ended, ...quietEnded]) {
    await (ended.includes(record) ? lanes : quietLanes).whenEnded(record.id);
  }
  endedIds = [...ended, ...quietEnded].map((record) => record.id);
  outsideBefore = snapshot(outside);
  rootBefore = readdirSync("/").sort();
  prototypeBefore = Object.getOwnPropertyNames(Object.prototype).sort();
});

afterAll(async () => {
  await lanes?.shutdown();
  await quietLanes?.shutdown();
  base?.cleanup();
});

/** What must hold for every call, valid or not; returns whether it was an is_error result. */
function checkResult(toolSet: ToolMap, name: string, input: unknown, result: ToolResultBlock): boolean {
  expect(result.type).toBe("tool_result");
  expect(typeof result.content).toBe("string");
  expect(result.content.length).toBeGreaterThan(0);
  if (schemaRejects(toolSet, name, input)) {
    expect(result.is_error).toBe(true);
    expect(result.content.startsWith(`Invalid input for ${name}: `)).toBe(true);
  }
  // An error is read by the model: it must not echo a megabyte of its input back into the context.
  if (result.is_error) expect(result.content.length).toBeLessThan(10_000);
  return result.is_error === true;
}

/** Nothing outside the workspace changed: the sibling folder, its canary, the filesystem root. */
function expectNothingWrittenOutside(): void {
  expect(snapshot(outside)).toEqual(outsideBefore);
  expect(readFileSync(join(outside, "canary.txt"), "utf8")).toBe("CANARY\n");
  expect(readdirSync("/").sort()).toEqual(rootBefore);
  expect(existsSync(join(ws, "PWNED"))).toBe(false);
}

/** Processes the fuzzed calls started that are still alive once ended (the shared `cat` excepted). */
async function processesLeft(): Promise<number> {
  const left = (): number =>
    liveProcessesWithEnv("LANES_FUZZ_RUN", (value) => value === RUN_MARK).filter(
      (found) => found.env.get("LANES_TASK_ID") !== catId,
    ).length;
  await eventually(() => left() === 0, 3_000);
  return left();
}

/** Stands for a task started just for this call (see `withLiveTasks`): a valid id of a running task. */
const RUNNING = "@running";

const taskIdArb = (): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 2, arbitrary: fc.constantFrom(...endedIds, RUNNING) },
    { weight: 1, arbitrary: fc.constantFrom("__proto__", "constructor", "toString") },
    { weight: 2, arbitrary: garbage },
  );

/** Replaces RUNNING with a fresh task (a short sleep to wait on, a long one to check or kill). */
function withLiveTasks(name: string, input: unknown): { input: unknown; started: string[] } {
  const started: string[] = [];
  const live = (): string => {
    const record =
      name === "wait_background"
        ? quietLanes.start({ command: "sleep 0.2" })
        : lanes.start({ command: "sleep 30", lane: "live" });
    started.push(record.id);
    return record.id;
  };
  const swap = (value: unknown): unknown =>
    value === RUNNING ? live() : Array.isArray(value) ? value.map(swap) : value;
  if (typeof input !== "object" || input === null || Array.isArray(input)) return { input, started };
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    Object.defineProperty(copy, key, {
      value: swap(value),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return { input: copy, started };
}

const pathPiece = fc.constantFrom(
  "..",
  ".",
  "",
  "a.txt",
  "dir",
  "b.txt",
  "out-link",
  "out-file",
  "in-link",
  "loop1",
  "fifo",
  "fifo-link",
  "environ-link",
  "environ",
  "canary.txt",
  "new.txt",
  "x".repeat(255),
  "y".repeat(256),
  "é",
  "%2e%2e",
  "\\..",
  " ",
);

/** Paths to real files, paths built from traps (escapes, links, loops, FIFOs, long names), any string. */
const pathArb = (): fc.Arbitrary<string> =>
  fc.oneof(
    {
      weight: 2,
      arbitrary: fc.constantFrom("a.txt", "dir/b.txt", "in-link", "./dir/../a.txt", `${ws}/a.txt`),
    },
    {
      weight: 3,
      arbitrary: fc
        .tuple(
          fc.constantFrom("", "/", `${ws}/`, `${outside}/`, "./", "../", "/proc/self/", "/dev/", ROOT_CANARY),
          fc.array(pathPiece, { maxLength: 5 }),
        )
        .map(([prefix, parts]) => prefix + parts.join("/")),
    },
    { weight: 1, arbitrary: nastyString },
  );

const smallCount = fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 1, max: 50 }) }, absurdNumber);
const regexLike = fc.oneof(fc.constantFrom("done", "^e", "x|y", "[0-9]+", "(a+)+$"), nastyString);

/** Per tool: inputs that are nearly right (some fields absurd or missing) and inputs of any shape. */
function inputsFor(name: string): fc.Arbitrary<unknown> {
  const keys = Object.keys(tools.get(name)?.schema.shape ?? {});
  const opt = { requiredKeys: [] as never[] };
  const shaped: Record<string, fc.Arbitrary<unknown>> = {
    bash: fc.record(
      {
        command: harmlessCommand,
        timeout_ms: maybe(fc.integer({ min: 1, max: 600_000 })),
        keep_background_processes: maybe(fc.boolean()),
      },
      { requiredKeys: ["command"] },
    ),
    background_run: fc.record(
      {
        command: harmlessCommand,
        description: maybe(fc.string({ maxLength: 250 })),
        timeout_ms: maybe(fc.oneof(fc.integer({ min: 1, max: 2 ** 40 }), absurdNumber)),
        notify_on: maybe(regexLike),
        lane: maybe(fc.stringMatching(/^[\w.-]{1,40}$/)),
        stall_ms: maybe(fc.nat()),
        persist: maybe(fc.boolean()),
      },
      { requiredKeys: ["command"] },
    ),
    read_file: fc.record(
      { path: mostly(pathArb()), offset: maybe(smallCount), limit: maybe(smallCount) },
      opt,
    ),
    write_file: fc.record({ path: mostly(pathArb()), content: mostly(nastyString) }, opt),
    edit_file: fc.record(
      {
        path: mostly(pathArb()),
        old_text: mostly(fc.oneof(fc.constantFrom("alpha", "beta", "CANARY", "bravo\n"), nastyString)),
        new_text: mostly(nastyString),
      },
      opt,
    ),
    check_background: fc.record(
      {
        task_id: taskIdArb(),
        output: maybe(fc.constantFrom("tail", "new", "none")),
        lines: maybe(smallCount),
        grep: maybe(regexLike),
      },
      opt,
    ),
    wait_background: fc.record(
      {
        task_ids: maybe(fc.array(taskIdArb(), { maxLength: 4 })),
        mode: maybe(fc.constantFrom("any", "all")),
        timeout_ms: maybe(fc.oneof(fc.integer({ min: 1, max: 600_000 }), absurdNumber)),
      },
      opt,
    ),
    kill_background: fc.record({ task_id: taskIdArb() }, opt),
    send_background_input: fc.record(
      {
        task_id: fc.oneof(fc.constant(catId), taskIdArb()),
        text: mostly(nastyString),
        // Never true for the shared `cat`: closing its stdin would end the one running target.
        close_stdin: fc.constantFrom(undefined, false, null, "true", 1),
      },
      opt,
    ),
  };
  const wrong = wrongShape(keys);
  const commandTool = name === "bash" || name === "background_run";
  return fc.oneof(
    { weight: 3, arbitrary: shaped[name] ?? wrong },
    { weight: 1, arbitrary: commandTool ? wrong.map(withoutRunnableCommand) : wrong },
  );
}

/** A task the model gave a timeout must not be reported timed out before that time; returns 1 (checked). */
function checkTimedOutLate(record: {
  started_at?: string | null;
  ended_at?: string | null;
  timeout_ms?: number | null;
}): number {
  const ran = Date.parse(record.ended_at ?? "") - Date.parse(record.started_at ?? "");
  expect(ran).toBeGreaterThanOrEqual((record.timeout_ms ?? 0) - 5);
  return 1;
}

const TOOL_NAMES = [
  "bash",
  "read_file",
  "write_file",
  "edit_file",
  "background_run",
  "check_background",
  "wait_background",
  "kill_background",
  "send_background_input",
];

describe("bad input: every tool's input, fuzzed through runToolCall", () => {
  it("answers arbitrary JSON, wrong types, missing fields, absurd numbers and prototype keys with a tool_result, is_error when invalid, never throwing or hanging", async ({
    task,
  }) => {
    let cases = 0;
    // Inputs the schema refuses: fixed by the seed, unlike is_error results that depend on timing.
    let schemaRejected = 0;
    let timedOutChecked = 0;
    // A background_run that said it started but named no task, or a task lanes does not know.
    let lost = 0;
    const startedTask = (result: { content: string; details?: unknown }): string | undefined => {
      const id = startedId(result);
      const named = id !== undefined && result.content.startsWith(`Background task ${id} started`);
      if (!named || !lanes.list().some((record) => record.id === id)) lost++;
      return id;
    };
    for (const name of TOOL_NAMES) {
      // wait_background blocks on running tasks: it is fuzzed against a manager with none running.
      const toolSet = name === "wait_background" ? quietTools : tools;
      const runs = name === "bash" || name === "background_run" ? 300 : 400;
      await fc.assert(
        fc.asyncProperty(inputsFor(name), async (generated) => {
          const { input, started } = withLiveTasks(name, generated);
          const result = await callTool(toolSet, name, input);
          const owner = name === "wait_background" ? quietLanes : lanes;
          for (const id of started) await within(owner.kill(id), 5_000, `kill of ${id}`);
          cases++;
          checkResult(toolSet, name, input, result);
          if (schemaRejects(toolSet, name, input)) schemaRejected++;
          if (name === "background_run" && !result.is_error) {
            const id = startedTask(result) ?? "";
            const record = await within(lanes.whenEnded(id), 10_000, `end of ${JSON.stringify(input)}`);
            if (record.status === "timed_out") timedOutChecked += checkTimedOutLate(record);
          }
        }),
        { numRuns: runs, seed: SEED + TOOL_NAMES.indexOf(name) },
      );
    }
    // Prototype keys as JSON.parse really builds them: own `__proto__` properties, not prototypes.
    const prototypeInputs: [string, string][] = [
      ["bash", '{"__proto__": {"command": "touch PWNED"}}'],
      ["background_run", '{"constructor": {"prototype": {"command": "touch PWNED"}}}'],
      ["read_file", '{"__proto__": {"path": "a.txt"}}'],
      ["write_file", '{"__proto__": {"path": "PWNED", "content": "x"}}'],
      ["edit_file", '{"path": "a.txt", "__proto__": {"old_text": "alpha", "new_text": "x"}}'],
      ["check_background", '{"task_id": "__proto__"}'],
      ["check_background", '{"task_id": "constructor", "__proto__": {"polluted": true}}'],
      ["wait_background", '{"task_ids": ["__proto__", "constructor"]}'],
      ["kill_background", '{"task_id": "hasOwnProperty"}'],
      ["send_background_input", '{"task_id": "__proto__", "text": "x"}'],
    ];
    for (const [name, json] of prototypeInputs) {
      const toolSet = name === "wait_background" ? quietTools : tools;
      const input: unknown = JSON.parse(json);
      const result = await callTool(toolSet, name, input);
      cases++;
      checkResult(toolSet, name, input, result);
      if (schemaRejects(toolSet, name, input)) schemaRejected++;
      expect(result.is_error).toBe(true);
    }
    // The fuzz may or may not draw a timeout short enough to fire: these surely do, so the check runs.
    for (const timeout_ms of [1, 50, 300]) {
      const result = await callTool(tools, "background_run", { command: "sleep 5", timeout_ms });
      cases++;
      const id = startedTask(result) ?? "";
      const record = await within(lanes.whenEnded(id), 10_000, `sleep 5 with timeout_ms ${timeout_ms}`);
      expect(record.status).toBe("timed_out");
      timedOutChecked += checkTimedOutLate(record);
    }
    expect(timedOutChecked).toBeGreaterThanOrEqual(3);
    // Lane names are model input too: a prototype name is a lane like any other, not a lookup on Object.
    for (const lane of ["__proto__", "constructor", "toString", "hasOwnProperty", "valueOf"]) {
      const result = await callTool(tools, "background_run", { command: "echo lane", lane });
      cases++;
      const id = startedTask(result) ?? "";
      const record = await within(lanes.whenEnded(id), 5_000, `a task in lane ${lane} to end`);
      expect(record).toMatchObject({ status: "completed", lane });
    }
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeBefore);
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
    expectNothingWrittenOutside();
    await lanes.flush();
    const left = await processesLeft();
    expect({ left, lost }).toEqual({ left: 0, lost: 0 });
    expect(schemaRejected).toBeGreaterThan(0);
    // Shrinking can re-run a case; `cases` counts every call made.
    recordReliability(task, {
      area: "Bad input",
      does: "fast-check (fixed seed): 9 tools × any JSON, wrong types, missing fields, absurd numbers (-1, 1e308, 2^53+1, ±Infinity), prototype keys, via runToolCall; survived = inputs the schema refused, each answered is_error; timeouts never fire early; nothing written outside",
      cases,
      faultsSurvived: schemaRejected,
      processesLeft: left,
      itemsLost: lost,
    });
  }, 240_000);

  it("answers 1 MB strings, NUL bytes and 5,000-deep nesting in every string field without echoing them back, and runs no command it refused", async ({
    task,
  }) => {
    const megabyte = "x".repeat(1_000_000);
    const nasty: [string, unknown][] = [
      ["1 MB", megabyte],
      ["1 MB + 1", `${megabyte}x`],
      ["1 MB of 2-byte chars", "é".repeat(500_000)],
      ["NUL", "\0"],
      ["inner NUL", "a\0b"],
      ["1000 NULs", "\0".repeat(1000)],
      ["5000-deep array", deeplyNested(5000)],
    ];
    const bases: [string, Record<string, unknown>, string[]][] = [
      ["bash", { command: "true" }, ["command"]],
      ["background_run", { command: "true" }, ["command", "description", "notify_on", "lane"]],
      ["read_file", { path: "a.txt" }, ["path"]],
      ["write_file", { path: "huge.txt", content: "x" }, ["path", "content"]],
      [
        "edit_file",
        { path: "a.txt", old_text: "not-in-the-file", new_text: "y" },
        ["path", "old_text", "new_text"],
      ],
      ["check_background", { task_id: endedIds[0] }, ["task_id", "output", "grep"]],
      ["wait_background", { task_ids: [endedIds[2]] }, ["task_ids", "mode"]],
      ["kill_background", { task_id: endedIds[0] }, ["task_id"]],
      ["send_background_input", { task_id: catId, text: "hi\n" }, ["task_id", "text"]],
    ];
    let cases = 0;
    let rejected = 0;
    for (const [name, base, fields] of bases) {
      const toolSet = name === "wait_background" ? quietTools : tools;
      for (const field of fields) {
        for (const [label, value] of nasty) {
          const input = {
            ...base,
            [field]: name === "wait_background" && field === "task_ids" ? [value] : value,
          };
          const tasksBefore = lanes.list().length;
          const result = await callTool(toolSet, name, input);
          cases++;
          if (checkResult(toolSet, name, input, result)) rejected++;
          expect(result.content.length, `${name}.${field} = ${label}`).toBeLessThan(100_000);
          if (field === "command") {
            // The kernel cannot exec it: refused with a reason, never started as a task.
            expect(result.is_error, `${name}.command = ${label}`).toBe(true);
            expect(lanes.list().length).toBe(tasksBefore);
          }
        }
      }
    }
    // A long command that can run (a 100 KB no-op) is answered and notified with a short form of it.
    const longCommand = `: ${"x".repeat(100_000)}`;
    const foreground = await callTool(tools, "bash", { command: longCommand });
    cases++;
    expect(foreground.is_error).toBeUndefined();
    expect(foreground.content.length).toBeLessThan(2_000);
    const background = await callTool(tools, "background_run", { command: longCommand });
    cases++;
    expect(background.is_error).toBeUndefined();
    expect(background.content.length).toBeLessThan(2_000);
    const id = startedId(background);
    expect(id).toBeDefined();
    await within(lanes.whenEnded(id ?? ""), 5_000, "the long no-op to end");
    const notices = lanes.drainNotifications().filter((found) => found.taskId === id);
    // Its one notification, missing or doubled, is the item that could be lost.
    const lost = Math.abs(notices.length - 1);
    for (const notice of notices) expect(noticeText(lanes.workspace, notice).length).toBeLessThan(2_000);
    expectNothingWrittenOutside();
    const left = await processesLeft();
    expect({ left, lost }).toEqual({ left: 0, lost: 0 });
    recordReliability(task, {
      area: "Bad input",
      does: "9 tools × every string field × 1 MB, 1 MB+1, 1 MB of 2-byte chars, NUL, inner NUL, 1000 NULs, 5000-deep arrays, a 100 KB runnable command: bounded replies and notices, refused commands never start",
      cases,
      faultsSurvived: rejected,
      processesLeft: left,
      itemsLost: lost,
    });
  }, 120_000);
});

describe("bad input: paths the tools/ tests do not already cover", () => {
  it("refuses /proc/self/environ (direct or linked), links to a FIFO, a directory or FIFO to edit, the root itself, loops and 4 KiB paths, and follows .. after a link like the kernel", async ({
    task,
  }) => {
    const environ = "/proc/self/environ";
    const refused: [string, Record<string, unknown>, RegExp][] = [];
    for (const name of ["read_file", "write_file", "edit_file"]) {
      const extra: Record<string, unknown> =
        name === "write_file"
          ? { content: "x" }
          : name === "edit_file"
            ? { old_text: "PATH", new_text: "y" }
            : {};
      const cases: [string, RegExp][] = [
        [environ, /escapes the workspace|outside the workspace/],
        ["environ-link", /escapes the workspace via symlink/],
        ["fifo-link", /FIFO/],
        [".", /directory/],
        ["./", /directory/],
        [ws, /directory/],
        [`${ws}/`, /directory/],
        ["loop1", /too many levels of symbolic links/],
        ["loop1/new.txt", /too many levels of symbolic links/],
        ["a/".repeat(2100) + "f", /path name too long: \d+ bytes \(limit 4096\)/],
        ["dir/../../outside/canary.txt", /outside the workspace/],
        ["out-link/../outside/canary.txt", /escapes the workspace via symlink/],
      ];
      if (name === "edit_file") cases.push(["dir", /directory/], ["fifo", /FIFO/]);
      for (const [path, pattern] of cases) refused.push([name, { path, ...extra }, pattern]);
    }
    let tried = 0;
    let refusedWithReason = 0;
    for (const [name, input, pattern] of refused) {
      const result = await callTool(tools, name, input, 5_000);
      tried++;
      if (result.is_error === true && pattern.test(result.content)) refusedWithReason++;
      expect(result.is_error, `${name} ${String(input.path).slice(0, 80)}`).toBe(true);
      expect(result.content).toMatch(pattern);
      // Nothing of the environment (which holds API keys) leaks into the refusal.
      expect(result.content).not.toMatch(/PATH=|HOME=/);
    }
    // `..` after a link is taken from the link's target, as the kernel does: this one lands back inside.
    writeFileSync(join(ws, "back.txt"), "back inside\n");
    const back = await callTool(tools, "read_file", { path: "out-link/../ws/back.txt" });
    tried++;
    expect(back.is_error).toBeUndefined();
    expect(back.content).toBe("     1\tback inside");
    expectNothingWrittenOutside();
    expect(refusedWithReason).toBe(refused.length);
    // File tools start no process: the scan proves none of this file's marked processes is left.
    const left = await processesLeft();
    // Entries outside that changed or vanished: what a path escape would have cost.
    const after = snapshot(outside);
    const damaged =
      outsideBefore.filter((entry) => !after.includes(entry)).length +
      after.filter((entry) => !outsideBefore.includes(entry)).length;
    expect({ left, damaged }).toEqual({ left: 0, damaged: 0 });
    recordReliability(task, {
      area: "Bad input",
      does: "read/write/edit_file: /proc/self/environ direct and via link, link to a FIFO, root dir, loops, 4 KiB path, .. escapes via link; dir and FIFO for edit",
      cases: tried,
      faultsSurvived: refusedWithReason,
      processesLeft: left,
      itemsLost: damaged,
    });
  });
});

/** Pieces of hostile terminal output: colours, cursor moves, titles, links, controls, broken UTF-8, text. */
const outputFragment: fc.Arbitrary<Buffer> = fc.oneof(
  fc.uint8Array({ maxLength: 40 }).map((bytes) => Buffer.from(bytes)),
  fc
    .constantFrom(
      "\x1b[31m",
      "\x1b[0m",
      "\x1b[2J\x1b[1;1H",
      "\x1b[?25l",
      "\x1b]0;window title\x07",
      "\x1b]8;;https://x.test\x1b\\link\x1b]8;;\x1b\\",
      "\x1bP1$r\x1b\\",
      "\x1b(B",
      "\x1b",
      "\r",
      "\r\n",
      "\b",
      "\x07",
      "\x00",
      "\x7f",
      "\t",
      "\n",
      "progress 50%\rprogress 100%",
    )
    .map((text) => Buffer.from(text, "latin1")),
  fc.constantFrom(
    Buffer.from([0xff]),
    Buffer.from([0xc3]),
    Buffer.from([0xed, 0xa0, 0x80]),
    Buffer.from([0xc0, 0xaf]),
    Buffer.from([0xc2, 0x9b]),
    Buffer.from([0xc2, 0x85]),
    Buffer.from([0xf4, 0x90, 0x80, 0x80]),
  ),
  fc.stringMatching(/^[a-z ]{1,12}$/).map((text) => Buffer.from(text)),
);

describe("bad input: what commands print", () => {
  it("cleans invalid UTF-8, ANSI sequences and control characters from bash output, check_background and notifications, while the log keeps the raw bytes", async ({
    task,
  }) => {
    mkdirSync(join(ws, "out"), { recursive: true });
    let cases = 0;
    let hostile = 0;
    let run = 0;
    // Each background cat owes exactly one notification: a missing or doubled one is lost.
    let lost = 0;
    const checkOutput = async (bytes: Buffer): Promise<void> => {
      const file = `out/${run++}.bin`;
      writeFileSync(join(ws, file), bytes);
      const foreground = await callTool(tools, "bash", { command: `cat ${file}` });
      expect(uncleanReason(foreground.content), "bash").toBeUndefined();
      const started = await callTool(tools, "background_run", { command: `cat ${file}` });
      const id = startedId(started) ?? "";
      const record = await within(lanes.whenEnded(id), 10_000, `cat ${file} to end`);
      // The log is the command's own bytes, untouched.
      expect(readFileSync(record.output_file).equals(bytes)).toBe(true);
      const notices = lanes.drainNotifications().filter((notice) => notice.taskId === id);
      lost += Math.abs(notices.length - 1);
      for (const notice of notices)
        expect(uncleanReason(noticeText(lanes.workspace, notice)), "notification").toBeUndefined();
      for (const output of ["tail", "new"]) {
        const checked = await callTool(tools, "check_background", { task_id: id, output, lines: 100 });
        expect(checked.is_error).toBeUndefined();
        expect(uncleanReason(checked.content), `check_background ${output}`).toBeUndefined();
      }
      cases++;
      if (
        uncleanReason(bytes.toString("utf8")) !== undefined ||
        !bytes.equals(Buffer.from(bytes.toString("utf8")))
      )
        hostile++;
    };
    await fc.assert(
      fc.asyncProperty(
        fc.array(outputFragment, { minLength: 1, maxLength: 30 }).map((parts) => Buffer.concat(parts)),
        checkOutput,
      ),
      { numRuns: 120, seed: SEED },
    );
    // What survives the cleaning is the text a terminal would have shown.
    const sample = Buffer.concat([
      Buffer.from("a\x1b[31mred\x1b[0m\r\nnext\x07\x00line", "latin1"),
      Buffer.from([0xff]),
      Buffer.from(" end\n50%\r100%\n"),
    ]);
    await checkOutput(sample);
    const shown = await callTool(tools, "bash", { command: `cat out/${run - 1}.bin` });
    expect(shown.content).toBe("ared\nnextline\ufffd end\n100%");
    cases++;
    const left = await processesLeft();
    expect({ left, lost }).toEqual({ left: 0, lost: 0 });
    recordReliability(task, {
      area: "Bad input",
      does: "fast-check: random bytes, ANSI CSI/OSC/DCS, C0/C1 controls, invalid UTF-8 printed by a command; bash reply, check_background tail/new and the notification clean, .log byte-identical",
      cases,
      faultsSurvived: hostile,
      processesLeft: left,
      itemsLost: lost,
    });
  }, 180_000);

  it("answers a 50 MB line without a newline with bounded replies everywhere, keeps all of it in the log, and RSS stays bounded", async ({
    task,
  }) => {
    const size = 50 * 1024 * 1024;
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 5);
    const replies: [string, ToolResultBlock][] = [];
    let lost = 0;
    try {
      const command = `printf '\\033[1mSTART'; head -c ${size} /dev/zero | tr '\\0' a; printf '\\033[0mEND'`;
      const started = await callTool(tools, "background_run", { command, notify_on: "END$" });
      const id = startedId(started) ?? "";
      const record = await within(lanes.whenEnded(id), 60_000, "the 50 MB task to end");
      expect(record.status).toBe("completed");
      expect(record.output_bytes).toBe(size + "\x1b[1mSTART\x1b[0mEND".length);
      const notices = lanes.drainNotifications().filter((notice) => notice.taskId === id);
      lost = Math.abs(notices.length - 1);
      expect(lost).toBe(0);
      expect(notices.map((notice) => notice.kind)).toEqual(["ended"]);
      expect((notices[0] ? noticeText(lanes.workspace, notices[0]) : "").length).toBeLessThan(2_000);
      expect(uncleanReason(notices[0] ? noticeText(lanes.workspace, notices[0]) : "")).toBeUndefined();
      for (const input of [
        { task_id: id },
        { task_id: id, output: "new" },
        { task_id: id, output: "tail", lines: 5000 },
        { task_id: id, grep: "a{10}END$" },
      ]) {
        replies.push([
          `check_background ${JSON.stringify(input)}`,
          await callTool(tools, "check_background", input),
        ]);
      }
      replies.push(["wait_background", await callTool(tools, "wait_background", { task_ids: [id] })]);
      const foreground = `head -c ${size} /dev/zero | tr '\\0' b`;
      replies.push(["bash", await callTool(tools, "bash", { command: foreground }, 60_000)]);
    } finally {
      clearInterval(sampler);
    }
    for (const [what, reply] of replies) {
      expect(reply.is_error, what).toBeUndefined();
      expect(reply.content.length, what).toBeLessThan(32_000);
      expect(uncleanReason(reply.content), what).toBeUndefined();
    }
    const grown = (rssPeak - rssBefore) / 1024 ** 2;
    expect(grown).toBeLessThan(100);
    const left = await processesLeft();
    expect(left).toBe(0);
    recordReliability(task, {
      area: "Bad input",
      does: "50 MB line, no newline, with escapes (background + bash): notification, check tail/new/grep, wait and bash replies < 32k chars; RSS grows < 100 MB",
      cases: replies.length + 1,
      faultsSurvived: 0,
      processesLeft: left,
      itemsLost: lost,
    });
  }, 120_000);
});
