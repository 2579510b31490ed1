/* eslint-disable @typescript-eslint/no-explicit-any -- JSON output is loose in tests */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  startFakeAnthropic,
  textReply,
  toolReply,
  type FakeAnthropic,
  type FakeHandler,
} from "../helpers/fake-anthropic-server.js";
import { lastUserText, resultLinesFor, wellFormedProblems } from "../helpers/conversation-checks.js";
import { runCli, testEnv } from "../helpers/run-cli.js";
import { eventually, pidAlive, tempWorkspace } from "../helpers/temp-workspace.js";
import { readExitFile } from "../../src/lanes/reconcile.js";

let ws: { dir: string; cleanup: () => void };
const servers: FakeAnthropic[] = [];
const pgids: number[] = [];
/** lanes processes a test started; killed if the test failed before it ended them. */
const lanesPids: number[] = [];
beforeEach(() => (ws = tempWorkspace()));
afterEach(async () => {
  for (const pid of lanesPids.splice(0)) {
    try {
      if (pidAlive(pid)) process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  for (const pgid of pgids.splice(0)) {
    try {
      process.kill(-pgid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  await Promise.all(servers.splice(0).map((server) => server.close()));
  ws.cleanup();
});

function records(): any[] {
  const dir = join(ws.dir, ".lanes", "tasks");
  return readdirSync(dir)
    .filter((name) => name.endsWith(".json"))
    .map((name) => JSON.parse(readFileSync(join(dir, name), "utf8")));
}

async function fake(replies: ReturnType<typeof textReply>[]): Promise<FakeAnthropic> {
  const server = await startFakeAnthropic((_request, index) => replies[index] ?? textReply(`ack ${index}`));
  servers.push(server);
  return server;
}

function env(server: FakeAnthropic) {
  return testEnv({ ANTHROPIC_API_KEY: "sk-test", ANTHROPIC_BASE_URL: server.url, MODEL_ID: "claude-test" });
}

describe("durable tasks", () => {
  it("after kill -9 of lanes with 5 tasks running, a new start reconciles each and notifies each once", async () => {
    const commands = {
      // These two wait for a file the test creates once lanes is dead, so they surely end while it is.
      doneWhileDead: "while [ ! -f go ]; do sleep 0.05; done; echo a-done",
      failedWhileDead: "while [ ! -f go ]; do sleep 0.05; done; echo b-failing; exit 3",
      stillRunning: "sleep 4; echo c-done",
      killedWhileDead: "sleep 60",
      alsoRunning: "sleep 3; echo e-done",
    };
    const first = await fake([
      toolReply(Object.values(commands).map((command) => ({ name: "background_run", input: { command } }))),
      textReply("all started"),
    ]);
    let lanesPid = 0;
    const crashed = runCli(["-p", "start them"], {
      cwd: ws.dir,
      env: env(first),
      onSpawn: (pid) => {
        lanesPid = pid;
        lanesPids.push(pid);
      },
    });
    // Each task's group is registered for cleanup as soon as its record names it, so a failure below
    // cannot leave the `while [ ! -f go ]` loops running.
    const running = (): number => {
      const found = safeRecords().filter((r) => r.status === "running" && typeof r.pid === "number");
      for (const record of found) if (!pgids.includes(record.pid)) pgids.push(record.pid);
      return found.length;
    };
    expect(await eventually(() => running() === 5, 30_000)).toBe(true);
    process.kill(lanesPid, "SIGKILL");
    const crash = await crashed;
    expect(crash.signal).toBe("SIGKILL");
    const byCommand = (command: string) => records().find((r) => r.command === command);
    const victim = byCommand(commands.killedWhileDead);
    process.kill(-victim.pid, "SIGKILL");
    writeFileSync(join(ws.dir, "go"), "");
    const exitFiles = [commands.doneWhileDead, commands.failedWhileDead].map((c) => byCommand(c).exit_file);
    expect(await eventually(() => exitFiles.every((file) => readExitFile(file) !== null), 10_000)).toBe(true);
    writeFileSync(join(ws.dir, ".lanes", "tasks", "garbled1.json"), '{"id": "garbled1", "status": "runn');

    const second = await fake([textReply("checking on earlier work")]);
    const run = await runCli(["-p", "what happened?", "--output-format", "json"], {
      cwd: ws.dir,
      env: env(second),
    });
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/set aside an unreadable task record.*garbled1\.json\.corrupt/);
    const final = Object.fromEntries(
      Object.entries(commands).map(([key, command]) => [key, byCommand(command)]),
    );
    expect(final.doneWhileDead).toMatchObject({ status: "completed", exit_code: 0, notified: true });
    expect(final.failedWhileDead).toMatchObject({ status: "failed", exit_code: 3, notified: true });
    expect(final.stillRunning).toMatchObject({ status: "completed", notified: true });
    expect(final.alsoRunning).toMatchObject({ status: "completed", notified: true });
    expect(final.killedWhileDead).toMatchObject({ status: "lost", notified: true });
    const last = second.requests.at(-1)!;
    for (const record of Object.values(final)) expect(resultLinesFor(last, record.id)).toBe(1);
    for (const record of Object.values(final)) expect(pidAlive(record.pid)).toBe(false);
    // The result of a task that ended while lanes was dead still carries its output.
    expect(JSON.stringify(last.body.messages)).toContain("b-failing");
  });

  it("kill -9 after a compaction: --continue rebuilds the compacted view, a result delivered before is not delivered again, one that ended while lanes was dead is delivered once", async () => {
    mkdirSync(join(ws.dir, ".lanes"), { recursive: true });
    writeFileSync(join(ws.dir, ".lanes", "config.json"), JSON.stringify({ context_window: 20_000 }));
    const gated = "while [ ! -f go ]; do sleep 0.05; done; echo late-done";
    let compacted = false;
    const handler: FakeHandler = (request, index) => {
      const body = JSON.stringify(request.body);
      if (index === 0) return toolReply([{ name: "background_run", input: { command: "echo early-done" } }]);
      if (compacted) return { kind: "hang" };
      if (body.includes("was cleared from the conversation")) {
        compacted = true;
        return toolReply([{ name: "background_run", input: { command: gated } }]);
      }
      const command = `printf 'out${index}:'; head -c 6000 /dev/zero | tr '\\0' a; echo`;
      return index > 40 ? textReply("no compaction") : toolReply([{ name: "bash", input: { command } }]);
    };
    const first = await startFakeAnthropic(handler);
    servers.push(first);
    let lanesPid = 0;
    const crashed = runCli(["-p", "work"], {
      cwd: ws.dir,
      env: env(first),
      onSpawn: (pid) => {
        lanesPid = pid;
        lanesPids.push(pid);
      },
    });
    const byCommand = (command: string) => safeRecords().find((r) => r.command === command);
    const gatedRunning = () => {
      const record = byCommand(gated);
      if (typeof record?.pid === "number" && !pgids.includes(record.pid)) pgids.push(record.pid);
      return record?.status === "running" && first.requests.length > 0 && compacted;
    };
    expect(await eventually(gatedRunning, 30_000)).toBe(true);
    // Wait for the request carrying the gated task's tool result (the one left hanging), then crash.
    expect(await eventually(() => JSON.stringify(first.requests.at(-1)?.body).includes(gated), 10_000)).toBe(
      true,
    );
    process.kill(lanesPid, "SIGKILL");
    expect((await crashed).signal).toBe("SIGKILL");
    writeFileSync(join(ws.dir, "go"), "");
    expect(await eventually(() => readExitFile(byCommand(gated).exit_file) !== null, 10_000)).toBe(true);

    const second = await fake([textReply("caught up")]);
    const run = await runCli(["--continue", "-p", "what happened?", "--output-format", "json"], {
      cwd: ws.dir,
      env: env(second),
    });
    expect(run.code, run.stderr).toBe(0);
    const request = second.requests[0]!;
    const body = JSON.stringify(request.body);
    expect(body).toContain("was cleared from the conversation");
    expect(body).not.toContain("out1:aaaa");
    expect(wellFormedProblems(request.body.messages)).toEqual([]);
    const early = byCommand("echo early-done");
    const late = byCommand(gated);
    // Delivered once before the crash, still in the log once; the new injection carries only the late one.
    expect(resultLinesFor(request, early.id)).toBe(1);
    expect(lastUserText(request)).not.toContain(`[bg:${early.id}]`);
    expect(resultLinesFor(request, late.id)).toBe(1);
    expect(late).toMatchObject({ status: "completed", notified: true });
  });

  it("a persisted task outlives the -p run, is listed by `lanes tasks`, and `lanes tasks kill` ends it", async () => {
    const server = await fake([
      toolReply([{ name: "background_run", input: { command: "sleep 60", persist: true } }]),
      textReply("dev server left running"),
    ]);
    const started = Date.now();
    const run = await runCli(["-p", "start the server", "--output-format", "json"], {
      cwd: ws.dir,
      env: env(server),
    });
    // Registered before any assertion, so a failure cannot leave `sleep 60` running.
    for (const found of safeRecords()) if (typeof found.pid === "number") pgids.push(found.pid);
    expect(run.code).toBe(0);
    expect(Date.now() - started).toBeLessThan(20_000);
    const [record] = records();
    expect(record).toMatchObject({ status: "running", persist: true });
    expect(pidAlive(record.pid)).toBe(true);
    const listing = await runCli(["tasks"], { cwd: ws.dir, env: testEnv() });
    expect(listing.stdout).toMatch(new RegExp(`${record.id}\\s+running.*\\[persist\\]\\s+sleep 60`));
    const killed = await runCli(["tasks", "kill", record.id], { cwd: ws.dir, env: testEnv() });
    expect(killed.stdout).toContain(`Killed task ${record.id}`);
    expect(await eventually(() => !pidAlive(record.pid))).toBe(true);
    expect(records()[0]).toMatchObject({ status: "killed" });
  });

  it("`lanes run --detach` returns at once and leaves a persisted task running", async () => {
    const started = Date.now();
    const run = await runCli(["run", "--detach", "sleep 60"], { cwd: ws.dir, env: testEnv() });
    for (const found of safeRecords()) if (typeof found.pid === "number") pgids.push(found.pid);
    expect(run.code).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    const [record] = records();
    expect(run.stdout).toContain(`${record.id}  started (persisted): sleep 60`);
    expect(record).toMatchObject({ status: "running", persist: true });
    expect(pidAlive(record.pid)).toBe(true);
  });
});

function safeRecords(): any[] {
  try {
    return records();
  } catch {
    return [];
  }
}
