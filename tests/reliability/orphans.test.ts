/* eslint-disable @typescript-eslint/no-explicit-any -- records and request bodies are loose JSON in tests */
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  startFakeAnthropic,
  textReply,
  toolReply,
  type CapturedRequest,
  type FakeAnthropic,
  type FakeHandler,
} from "../helpers/fake-anthropic-server.js";
import { userTexts } from "../helpers/conversation-checks.js";
import {
  describeProcesses,
  descendants,
  findByEnv,
  hasEnv,
  killByEnv,
  processInfo,
  waitForCount,
  type ProcessInfo,
} from "../helpers/process-tree.js";
import { cliSlots } from "../helpers/cli-slots.js";
import { recordReliability } from "../helpers/reliability.js";
import { isTerminal } from "../../src/lanes/task-record.js";
import { readExitFile } from "../../src/lanes/reconcile.js";
import { runCli, testEnv, type CliRun } from "../helpers/run-cli.js";
import { eventually, sleep, tempWorkspace } from "../helpers/temp-workspace.js";

// lanes gets ORPHAN_PROBE=<token> in its own environment and passes it to everything it starts, so every
// descendant carries it in /proc/PID/environ, whatever group or session it moved to.
const PREFIX = `orphans-${randomBytes(4).toString("hex")}`;
let runs = 0;
const ours = (value: string): boolean => value.startsWith(PREFIX);

// The tests run side by side, so each cleans up only what it started; this catches anything left over.
afterAll(() => void killByEnv("ORPHAN_PROBE", ours));

const slot = cliSlots(3);
/** Tests run side by side and wait their turn for a CLI slot: bounds are generous, not tight. */
const TIMEOUT_MS = 120_000;

type OnFinished = (cleanup: () => void | Promise<void>) => void;

/** Every way a command can leave processes behind, each ending in a `sleep 300`. */
const SHAPES: Record<string, string> = {
  "cmd &": "sleep 300 &",
  nohup: "nohup sleep 300 >/dev/null 2>&1 &",
  subshell: "( sleep 300 ) &",
  pipeline: "sleep 300 | cat &",
  "TERM-ignoring": "sh -c 'trap \"\" TERM; sleep 300' &",
  "setpgid (own group)": "perl -e 'setpgrp(0, 0); exec @ARGV' sleep 300 &",
  "setsid (new session)": "setsid sleep 300 &",
  "setsid + TERM-ignoring": "setsid sh -c 'trap \"\" TERM; sleep 300' &",
  "double fork": "sh -c 'sh -c \"sleep 300 &\" &'",
};
const SHAPE_COUNT = Object.keys(SHAPES).length;
const SHAPE_NAMES = Object.keys(SHAPES).join(", ");
/** A foreground subshell around a pipeline: the task itself blocks until something ends it. */
const BLOCK = "( sleep 300 | cat )";
/** Holds a command until the test has seen every shape running (`probe.go()`); then it exits. */
const GATE = "until [ -e go ]; do sleep 0.05; done";
/** `sleep 300`s of a task that ends in BLOCK: one per shape, one of its own. */
const BLOCKING = SHAPE_COUNT + 1;

function spawnAll(tail: string): string {
  return `${Object.values(SHAPES).join("\n")}\necho spawned\n${tail}`;
}

function longSleeps(processes: ProcessInfo[]): number {
  return processes.filter((p) => p.command === "sleep 300").length;
}

/** Watches one run's processes: what is alive now, and the most that were alive at once. */
class Probe {
  readonly token = `${PREFIX}-${++runs}`;
  readonly dir: string;
  lanesPid = 0;
  /** The most `sleep 300`s alive at once: the processes that had to be ended. */
  peakLongSleeps = 0;
  /** Out of every process group lanes made (setpgid, setsid): a group kill cannot reach them. */
  peakOutOfGroup = 0;
  /** No longer below lanes in the process tree (double fork): no parent link leads to them. */
  peakOutOfTree = 0;
  private readonly timer: NodeJS.Timeout;
  private markStarted: () => void = () => {};
  /**
   * Resolves when lanes was spawned. Waits on what lanes does start from here: before it, a run may sit
   * behind others for a CLI slot.
   */
  readonly started = new Promise<void>((resolve) => (this.markStarted = resolve));

  /** Whatever happens to the test, its processes, server and workspace go when it finishes. */
  constructor(private readonly onFinished: OnFinished) {
    const ws = tempWorkspace("lanes-orphans-");
    this.dir = ws.dir;
    // Every 100 ms: an escape is out of lanes' tree only for moments (after the group's kill, before the sweep
    // that follows it), which a 500 ms timer missed.
    this.timer = setInterval(() => this.sample(), 100);
    onFinished(() => {
      this.stop();
      killByEnv("ORPHAN_PROBE", this.token);
      ws.cleanup();
    });
  }

  async fake(handler: FakeHandler): Promise<FakeAnthropic> {
    const server = await startFakeAnthropic(handler);
    this.onFinished(() => server.close());
    return server;
  }

  /**
   * Live processes started for a task or command of this run. lanes itself is left out, and so are its own
   * helpers: they carry the token but no LANES_TASK_ID, and end with lanes.
   */
  processes(): ProcessInfo[] {
    const exclude = this.lanesPid === 0 ? [] : [this.lanesPid];
    return findByEnv("ORPHAN_PROBE", this.token, exclude).filter((p) => hasEnv(p.pid, "LANES_TASK_ID"));
  }

  sample(): ProcessInfo[] {
    const found = this.processes();
    this.peakLongSleeps = Math.max(this.peakLongSleeps, longSleeps(found));
    if (found.length === 0) return found;
    // lanes starts each task and foreground command as the leader of a new group: its children, and the
    // recorded pids of tasks that outlived the lanes that started them (--detach).
    const live = this.lanesPid !== 0 && processInfo(this.lanesPid) !== undefined;
    const fromLanes = live ? descendants(this.lanesPid) : [];
    const leaders = new Set([
      // Not a held sandbox's bubblewrap (`--as-pid-1`, its holder below): it leads no task's group.
      ...fromLanes
        .filter((p) => p.ppid === this.lanesPid && !p.command.includes("--as-pid-1"))
        .map((p) => p.pid),
      ...this.records().flatMap((record) => (typeof record.pid === "number" ? [record.pid] : [])),
    ]);
    // Out of the tree: below no task's leader. Orphans are adopted by init, or in a held sandbox by its holder
    // (pid 1 there, itself below lanes), so lanes' own descendants do not count as the tree.
    const tree = new Set(leaders);
    for (const leader of leaders) for (const p of descendants(leader)) tree.add(p.pid);
    const outOfGroup = found.filter((p) => !leaders.has(p.pgid)).length;
    const outOfTree = found.filter((p) => !tree.has(p.pid)).length;
    this.peakOutOfGroup = Math.max(this.peakOutOfGroup, outOfGroup);
    this.peakOutOfTree = Math.max(this.peakOutOfTree, outOfTree);
    return found;
  }

  /** Resolves once `expected` `sleep 300`s run (every shape, and the task's own if it blocks). */
  async spawned(expected: number): Promise<void> {
    // Each sample scans /proc twice (10-40 ms of CPU on a busy machine), up to 13 probes run at once, and the
    // timer samples meanwhile anyway.
    await waitForCount(
      () => longSleeps(this.sample()),
      (n) => n >= expected,
      15_000,
      200,
    );
  }

  /** Lets a command waiting at GATE go on. */
  go(): void {
    writeFileSync(join(this.dir, "go"), "");
  }

  /** Waits for every process of the run to be gone; returns those still alive after `timeoutMs`. */
  async drained(timeoutMs = 8000): Promise<ProcessInfo[]> {
    await waitForCount(
      () => this.processes().length,
      (n) => n === 0,
      timeoutMs,
    );
    return this.processes();
  }

  env(server: FakeAnthropic | undefined): NodeJS.ProcessEnv {
    const model = server && {
      ANTHROPIC_API_KEY: "sk-test",
      ANTHROPIC_BASE_URL: server.url,
      MODEL_ID: "claude-test",
    };
    return testEnv({ ...model, ORPHAN_PROBE: this.token });
  }

  /** Runs lanes in this probe's workspace; without a server, for subcommands that need no model. */
  run(server: FakeAnthropic | undefined, args: string[], input?: string): Promise<CliRun> {
    const options = { cwd: this.dir, env: this.env(server), input };
    const onSpawn = (pid: number): void => {
      this.lanesPid = pid;
      this.markStarted();
    };
    return slot(() => runCli(args, { ...options, onSpawn }));
  }

  records(): any[] {
    const tasks = join(this.dir, ".lanes", "tasks");
    if (!existsSync(tasks)) return [];
    return readdirSync(tasks)
      .filter((name) => name.endsWith(".json"))
      .map((name) => JSON.parse(readFileSync(join(tasks, name), "utf8")));
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** The last tool result the request answers with, as text ("" when it answers none). */
function lastToolResult(request: CapturedRequest): string {
  const last = request.body.messages.at(-1);
  const results = Array.isArray(last?.content)
    ? last.content.filter((block: any) => block.type === "tool_result")
    : [];
  const content = results.at(-1)?.content ?? "";
  return typeof content === "string" ? content : JSON.stringify(content);
}

function carriesResult(request: CapturedRequest): boolean {
  return userTexts(request.body.messages).some((text) => text.includes("<background-results>"));
}

function startedTaskId(request: CapturedRequest): string {
  const id = /Background task (\w+) started/.exec(lastToolResult(request))?.[1];
  if (id === undefined) throw new Error(`no task id in ${lastToolResult(request)}`);
  return id;
}

interface Outcome {
  ending: string;
  /** Task records not in a terminal state after the run: a record that disagrees with reality. */
  staleRecords: number;
  /** Processes of the run that were alive at once at the peak: what had to be ended. */
  peak: number;
  /** Checked while lanes still ran, for endings lanes must clean up by itself (undefined otherwise). */
  leftWhileRunning?: ProcessInfo[] | undefined;
  /** Still alive a few seconds after the run ended. */
  leftAfter: ProcessInfo[];
  run: CliRun;
  probe: Probe;
}

async function finish(
  ending: string,
  probe: Probe,
  run: CliRun,
  extra: Partial<Outcome> = {},
): Promise<Outcome> {
  if ("leftWhileRunning" in extra)
    expect(extra.leftWhileRunning, `${ending}: checked while lanes ran`).toBeDefined();
  const leftAfter = await probe.drained();
  probe.stop();
  const staleRecords = probe.records().filter((record) => !isTerminal(record.status)).length;
  return { ending, staleRecords, peak: probe.peakLongSleeps, leftAfter, run, probe, ...extra };
}

/** The task exits by itself; lanes must end what it left while the run goes on. */
async function taskExits(onFinished: OnFinished): Promise<Outcome> {
  const probe = new Probe(onFinished);
  let leftWhileRunning: ProcessInfo[] | undefined;
  const server = await probe.fake(async (request) => {
    if (request.body.messages.length === 1) {
      return toolReply([{ name: "background_run", input: { command: spawnAll(GATE) } }]);
    }
    if (!carriesResult(request)) {
      await probe.spawned(SHAPE_COUNT);
      probe.go();
      return textReply("waiting");
    }
    leftWhileRunning = await probe.drained();
    return textReply("done");
  });
  const run = await probe.run(server, ["-p", "spawn and exit"]);
  expect(probe.records()[0]).toMatchObject({ status: "completed", exit_code: 0 });
  return finish("task exits normally", probe, run, { leftWhileRunning });
}

/** The model ends the task with kill_background. */
async function killBackground(onFinished: OnFinished): Promise<Outcome> {
  const probe = new Probe(onFinished);
  let leftWhileRunning: ProcessInfo[] | undefined;
  const server = await probe.fake(async (request) => {
    if (request.body.messages.length === 1) {
      return toolReply([{ name: "background_run", input: { command: spawnAll(BLOCK) } }]);
    }
    if (lastToolResult(request).startsWith("Background task")) {
      await probe.spawned(BLOCKING);
      return toolReply([{ name: "kill_background", input: { task_id: startedTaskId(request) } }]);
    }
    leftWhileRunning = await probe.drained();
    return textReply("killed it");
  });
  const run = await probe.run(server, ["-p", "spawn, then kill"]);
  expect(probe.records()[0]).toMatchObject({ status: "killed" });
  return finish("kill_background", probe, run, { leftWhileRunning });
}

/** The task runs past its timeout_ms. */
async function taskTimeout(onFinished: OnFinished): Promise<Outcome> {
  const probe = new Probe(onFinished);
  let leftWhileRunning: ProcessInfo[] | undefined;
  const server = await probe.fake(async (request) => {
    if (request.body.messages.length === 1) {
      const input = { command: spawnAll(BLOCK), timeout_ms: 2000 };
      return toolReply([{ name: "background_run", input }]);
    }
    if (!carriesResult(request)) {
      await probe.spawned(BLOCKING);
      return textReply("waiting");
    }
    leftWhileRunning = await probe.drained();
    return textReply("it timed out");
  });
  const run = await probe.run(server, ["-p", "spawn past a timeout"]);
  expect(probe.records()[0]).toMatchObject({ status: "timed_out" });
  return finish("task timeout (timeout_ms)", probe, run, { leftWhileRunning });
}

/** A foreground bash command that leaves processes behind when it returns. */
async function foregroundBash(onFinished: OnFinished): Promise<Outcome> {
  const probe = new Probe(onFinished);
  let leftWhileRunning: ProcessInfo[] | undefined;
  const server = await probe.fake(async (request) => {
    if (request.body.messages.length === 1) {
      return toolReply([{ name: "bash", input: { command: spawnAll(GATE) } }]);
    }
    leftWhileRunning = await probe.drained();
    return textReply("done");
  });
  // The bash call blocks lanes' loop, so the test itself opens the gate once it has seen every shape.
  void probe.started.then(() => probe.spawned(SHAPE_COUNT)).then(() => probe.go());
  const run = await probe.run(server, ["-p", "spawn in the foreground"]);
  expect(server.requests[1] && lastToolResult(server.requests[1])).toContain("were ended");
  return finish("foreground bash returns", probe, run, { leftWhileRunning });
}

/** `lanes tasks kill` ends a persisted task that `lanes run --detach` left running on purpose. */
async function tasksKill(onFinished: OnFinished): Promise<Outcome> {
  const probe = new Probe(onFinished);
  const started = await probe.run(undefined, ["run", "--detach", spawnAll(BLOCK)]);
  expect(started.code, started.stderr).toBe(0);
  await probe.spawned(BLOCKING);
  const [record] = probe.records();
  expect(record).toMatchObject({ persist: true, status: "running" });
  const run = await probe.run(undefined, ["tasks", "kill", record.id]);
  expect(run.stdout, run.stderr).toContain(`Killed task ${record.id}`);
  return finish("lanes tasks kill of a persisted task (lanes run --detach)", probe, run);
}

/** lanes -p is stopped by a signal while its task runs. */
async function signalled(onFinished: OnFinished, signal: NodeJS.Signals): Promise<Outcome> {
  const probe = new Probe(onFinished);
  let ready: () => void = () => {};
  const spawned = new Promise<void>((resolve) => (ready = resolve));
  const server = await probe.fake(async (request) => {
    if (request.body.messages.length === 1) {
      return toolReply([{ name: "background_run", input: { command: spawnAll(BLOCK) } }]);
    }
    await probe.spawned(BLOCKING);
    ready();
    return textReply("waiting");
  });
  const running = probe.run(server, ["-p", `spawn, then get ${signal}`]);
  await probe.started;
  await within(spawned, 40_000, "lanes never asked the model for its second turn");
  await sleep(300);
  process.kill(probe.lanesPid, signal);
  const run = await running;
  const expected = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 }[signal as string];
  expect(run.code, `${signal}: ${run.stderr}`).toBe(expected);
  expect(probe.records()[0]).toMatchObject({ status: "killed" });
  const name = signal === "SIGINT" ? "Ctrl+C (SIGINT to lanes -p)" : `${signal} to lanes -p`;
  return finish(name, probe, run);
}

/** lanes -p ends normally: --max-wait runs out for a task still running. */
async function printModeEnds(onFinished: OnFinished): Promise<Outcome> {
  const probe = new Probe(onFinished);
  const server = await probe.fake(async (request) => {
    if (request.body.messages.length === 1) {
      return toolReply([{ name: "background_run", input: { command: spawnAll(BLOCK) } }]);
    }
    await probe.spawned(BLOCKING);
    return textReply("waiting");
  });
  const run = await probe.run(server, ["-p", "spawn and leave it", "--max-wait", "1"]);
  // A run whose --max-wait ran out with a task still running is a failed run (issue 8).
  expect(run.code, run.stderr).toBe(1);
  expect(run.stderr).toMatch(/--max-wait ran out: killed still-running background tasks/);
  expect(probe.records()[0]).toMatchObject({ status: "killed" });
  return finish("lanes -p ends (--max-wait ran out)", probe, run);
}

/** The REPL's /exit while a task runs. */
async function replExit(onFinished: OnFinished): Promise<Outcome> {
  const probe = new Probe(onFinished);
  const server = await probe.fake(async (request) => {
    if (request.body.messages.length === 1) {
      return toolReply([{ name: "background_run", input: { command: spawnAll(BLOCK) } }]);
    }
    await probe.spawned(BLOCKING);
    return textReply("started");
  });
  const run = await probe.run(server, [], "spawn it\n/exit\n");
  expect(run.code, run.stderr).toBe(0);
  expect(probe.records()[0]).toMatchObject({ status: "killed" });
  return finish("REPL /exit", probe, run);
}

/** `promise`, or a clear failure after `ms` instead of a hung test. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function expectSpawned(outcome: Outcome): void {
  // Every shape ran, and the escapes really escaped: the /proc marker scan had work to do.
  expect(outcome.probe.peakLongSleeps, outcome.ending).toBeGreaterThanOrEqual(SHAPE_COUNT);
  // setpgid, setsid, and setsid's shell with its sleep: 4 out of every group lanes made.
  expect(outcome.probe.peakOutOfGroup, outcome.ending).toBeGreaterThanOrEqual(4);
  // The double fork's sleep, orphaned at once and adopted by init (in a held sandbox, by its holder).
  expect(outcome.probe.peakOutOfTree, outcome.ending).toBeGreaterThanOrEqual(1);
}

function leftReport(outcomes: Outcome[]): string {
  return outcomes
    .map((o) => {
      const during = o.leftWhileRunning ? describeProcesses(o.leftWhileRunning) : "";
      return `${o.ending}: while running [${during}] after [${describeProcesses(o.leftAfter)}]\n${o.run.stderr}`;
    })
    .join("\n");
}

function figure(outcomes: Outcome[]) {
  return {
    cases: outcomes.length * SHAPE_COUNT,
    faultsSurvived: outcomes.reduce((sum, o) => sum + o.peak, 0),
    processesLeft: outcomes.reduce(
      (sum, o) => sum + o.leftAfter.length + (o.leftWhileRunning?.length ?? 0),
      0,
    ),
    itemsLost: outcomes.reduce((sum, o) => sum + o.staleRecords, 0),
  };
}

describe.concurrent("orphans: no process a command started outlives its task or lanes", () => {
  it(
    "a task that exits, times out or is killed (kill_background, lanes tasks kill), and a foreground bash that returns, leave nothing running",
    { timeout: TIMEOUT_MS },
    async ({ task, onTestFinished: onFinished }) => {
      const outcomes = await Promise.all(
        [taskExits, killBackground, taskTimeout, foregroundBash, tasksKill].map((ending) =>
          ending(onFinished),
        ),
      );
      for (const outcome of outcomes) expectSpawned(outcome);
      const left = figure(outcomes).processesLeft;
      expect(left, leftReport(outcomes)).toBe(0);
      recordReliability(task, {
        area: "Orphans",
        does: `task exit, kill_background, timeout_ms, foreground bash return, lanes tasks kill of a persisted task × ${SHAPE_COUNT} shapes (${SHAPE_NAMES}); counted by env marker in /proc while lanes still runs and after; faults = sleep 300s that had to be ended`,
        ...figure(outcomes),
      });
    },
  );

  it(
    "Ctrl+C, SIGTERM, SIGHUP, the end of lanes -p and REPL /exit leave nothing running",
    { timeout: TIMEOUT_MS },
    async ({ task, onTestFinished: onFinished }) => {
      const outcomes = await Promise.all([
        signalled(onFinished, "SIGINT"),
        signalled(onFinished, "SIGTERM"),
        signalled(onFinished, "SIGHUP"),
        printModeEnds(onFinished),
        replExit(onFinished),
      ]);
      for (const outcome of outcomes) expectSpawned(outcome);
      const left = figure(outcomes).processesLeft;
      expect(left, leftReport(outcomes)).toBe(0);
      recordReliability(task, {
        area: "Orphans",
        does: `SIGINT, SIGTERM, SIGHUP to lanes -p, -p end with --max-wait expiring, REPL /exit, each with a running task × ${SHAPE_COUNT} shapes; counted by env marker in /proc after lanes exited; faults = sleep 300s that had to be ended`,
        ...figure(outcomes),
      });
    },
  );

  it(
    "kill -9 of lanes leaves its tasks running by design; the next start ends what they left, also of a task that ended meanwhile",
    { timeout: TIMEOUT_MS },
    async ({ task, onTestFinished: onFinished }) => {
      const probe = new Probe(onFinished);
      let ready: () => void = () => {};
      const spawned = new Promise<void>((resolve) => (ready = resolve));
      const first = await probe.fake(async (request) => {
        if (request.body.messages.length === 1) {
          return toolReply([
            {
              name: "background_run",
              input: { command: spawnAll(GATE), description: "ends while lanes is dead" },
            },
            { name: "background_run", input: { command: spawnAll(BLOCK), description: "still running" } },
          ]);
        }
        await probe.spawned(SHAPE_COUNT + BLOCKING);
        ready();
        return textReply("waiting");
      });
      const crashed = probe.run(first, ["-p", "spawn two"]);
      await probe.started;
      await within(spawned, 40_000, "lanes never asked the model for its second turn");
      process.kill(probe.lanesPid, "SIGKILL");
      expect((await crashed).signal).toBe("SIGKILL");
      // By design nothing ends a task when lanes dies: kill -9 leaves no chance, and persisted tasks rely on it.
      const survivedCrash = longSleeps(probe.processes());
      expect(survivedCrash).toBe(SHAPE_COUNT + BLOCKING);
      // The first task ends now, while no lanes watches it.
      probe.go();
      const ended = probe.records().find((r) => r.description === "ends while lanes is dead");
      expect(await eventually(() => readExitFile(ended.exit_file) !== null, 15_000)).toBe(true);

      const second = await probe.fake(() => textReply("picked them up"));
      probe.lanesPid = 0;
      const run = await probe.run(second, ["-p", "what happened?", "--max-wait", "1"]);
      // The adopted task still runs when --max-wait runs out: a failed run that kills it (issue 8).
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).toMatch(/picked up 2 tasks from an earlier run: 1 still running, 1 ended/);
      const outcome = await finish("kill -9, then a new start", probe, run);
      expect(outcome.leftAfter, leftReport([outcome])).toEqual([]);
      const byDescription = Object.fromEntries(probe.records().map((r) => [r.description, r]));
      expect(byDescription["ends while lanes is dead"]).toMatchObject({
        status: "completed",
        notified: true,
      });
      expect(byDescription["still running"]).toMatchObject({ status: "killed", notified: true });
      recordReliability(task, {
        area: "Orphans",
        does: `kill -9 of lanes -p with 2 tasks × ${SHAPE_COUNT} shapes: all keep running (by design), one task ends meanwhile; the next lanes -p adopts or completes both and ends every process they left; faults = sleep 300s alive after the crash`,
        cases: 2 * SHAPE_COUNT,
        faultsSurvived: survivedCrash,
        processesLeft: outcome.leftAfter.length,
        itemsLost: probe.records().filter((r) => !isTerminal(r.status) || r.notified !== true).length,
      });
    },
  );

  /** A process that clears its environment (no marker) in the task's group, and one that also leaves it. */
  async function clearedEnvironment(onFinished: OnFinished, flags: string[]) {
    const probe = new Probe(onFinished);
    // env -i drops LANES_TASK_ID (and everything else); only the test's own marker is put back.
    const inGroup = `${probe.token}-env-i`;
    const escaped = `${probe.token}-setsid-env-i`;
    onFinished(() => void killByEnv("ORPHAN_PROBE", (value) => value.startsWith(probe.token)));
    const command = [
      `env -i ORPHAN_PROBE=${inGroup} sleep 300 &`,
      `setsid env -i ORPHAN_PROBE=${escaped} sleep 300 &`,
      GATE,
    ].join("\n");
    const server = await probe.fake((request) =>
      request.body.messages.length === 1
        ? toolReply([{ name: "background_run", input: { command } }])
        : textReply("done"),
    );
    const both = (): number =>
      findByEnv("ORPHAN_PROBE", inGroup).length + findByEnv("ORPHAN_PROBE", escaped).length;
    void probe.started.then(() => waitForCount(both, (n) => n === 2, 30_000)).then(() => probe.go());
    const run = await probe.run(server, ["-p", "clear the environment", ...flags]);
    expect(run.code, run.stderr).toBe(0);
    expect(probe.records()[0]).toMatchObject({ status: "completed" });
    // Still in the task's group: the group kill ends it although it carries no marker.
    expect(
      await waitForCount(
        () => findByEnv("ORPHAN_PROBE", inGroup).length,
        (n) => n === 0,
        5000,
      ),
    ).toBe(0);
    return { probe, escaped };
  }

  it(
    "what escapes, as docs/RELIABILITY.md says: unsandboxed, a process that clears its environment and leaves the session",
    { timeout: TIMEOUT_MS },
    async ({ onTestFinished: onFinished }) => {
      const { probe, escaped } = await clearedEnvironment(onFinished, ["--sandbox", "danger-full-access"]);
      // New session and no marker: neither the group kill nor the /proc scan can see it. It runs on.
      await sleep(500);
      expect(findByEnv("ORPHAN_PROBE", escaped)).toHaveLength(1);
      probe.stop();
    },
  );

  it(
    "in the sandbox (the default) the same process is ended: its pid namespace ends with the task",
    { timeout: TIMEOUT_MS },
    async ({ onTestFinished: onFinished }) => {
      const { probe, escaped } = await clearedEnvironment(onFinished, []);
      // The sandbox's init ignores TERM; the KILL after the grace period ends it and its whole namespace (in a
      // held sandbox, LANES_SANDBOX_HELD=1, the holder's end does).
      expect(
        await waitForCount(
          () => findByEnv("ORPHAN_PROBE", escaped).length,
          (n) => n === 0,
          8000,
        ),
      ).toBe(0);
      probe.stop();
    },
  );
});
