import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  call,
  connect,
  killGroup,
  readRecord,
  runningPid,
  startTask,
  type Cleanups,
  type Connection,
} from "../helpers/mcp-client.js";
import { startFakeAnthropic, textReply } from "../helpers/fake-anthropic-server.js";
import { runCli, testEnv } from "../helpers/run-cli.js";
import { startScriptedRepl } from "../helpers/scripted-repl.js";
import { eventually, sleep, tempWorkspace } from "../helpers/temp-workspace.js";

const cleanups: Cleanups = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The record's status, or undefined while it is not written yet. */
function statusOf(dir: string, id: string): string | undefined {
  try {
    return readRecord(dir, id).status;
  } catch {
    return undefined;
  }
}

interface Leftovers {
  dir: string;
  ended: string[];
  running: string;
}

/**
 * A workspace an earlier `lanes mcp` left: two tasks that ended unread and one still running (persist),
 * its server SIGKILLed before any reply could carry the results.
 */
async function leftovers(): Promise<Leftovers> {
  const workspace = tempWorkspace("lanes-claims-");
  cleanups.push(workspace.cleanup);
  const first = await connect(cleanups, workspace.dir);
  const running = await startTask(first, { command: "sleep 60", persist: true });
  // Gated, so that no reply of this server carries their results: they end after its last reply.
  const gated = (code: number): string => `while [ ! -e go ]; do sleep 0.05; done; exit ${code}`;
  const ended = [
    await startTask(first, { command: gated(3) }),
    await startTask(first, { command: gated(4) }),
  ];
  const pid = await runningPid(workspace.dir, running);
  cleanups.push(() => killGroup(pid));
  writeFileSync(join(workspace.dir, "go"), "");
  for (const id of ended) {
    const exit = join(workspace.dir, ".lanes", "tasks", `${id}.exit`);
    expect(await eventually(() => existsSync(exit), 10_000)).toBe(true);
  }
  // Let the ended records land, then kill the server before anything delivers them.
  expect(await eventually(() => ended.every((id) => statusOf(workspace.dir, id) === "failed"), 5000)).toBe(
    true,
  );
  process.kill(first.transport.pid ?? 0, "SIGKILL");
  await sleep(200);
  return { dir: workspace.dir, ended, running };
}

/** How many times each id's result (ended) and adoption (still running) reached the clients' models. */
async function tally(
  servers: Connection[],
  left: Leftovers,
): Promise<{ results: number[]; adopted: number }> {
  let all = "";
  // A few calls each: every recovered result rides the first reply that can take it.
  for (let round = 0; round < 3; round++)
    for (const server of servers) {
      const reply = await call(server, "check_background", {});
      all += `${reply.results}\n`;
    }
  return countIn(all, left);
}

/** Counts, in what reached the models, each ended result and the running task's adoption. */
function countIn(text: string, left: Leftovers): { results: number[]; adopted: number } {
  const count = (pattern: RegExp): number => text.match(new RegExp(pattern, "g"))?.length ?? 0;
  return {
    results: left.ended.map((id) => count(new RegExp(`\\[bg:${id}\\] failed`))),
    adopted: count(new RegExp(`\\[bg:${left.running}\\] still running, started by an earlier lanes`)),
  };
}

/**
 * A `lanes -p` in the workspace against its own fake API; resolves with every request body it sent.
 * `asked` fires when its first request arrives (it has recovered by then); its replies wait for `hold`.
 */
async function printRun(
  dir: string,
  options: { asked?: () => void; hold?: Promise<void> } = {},
): Promise<string> {
  const server = await startFakeAnthropic(async () => {
    options.asked?.();
    await options.hold;
    return textReply("noted");
  });
  cleanups.push(() => server.close());
  const env = testEnv({
    ANTHROPIC_API_KEY: "sk-test",
    ANTHROPIC_BASE_URL: server.url,
    MODEL_ID: "claude-test",
  });
  const run = await runCli(["-p", "anything new?"], { cwd: dir, env });
  expect(run.code, run.stderr).toBe(0);
  return server.requests.map((request) => JSON.stringify(request.body)).join("\n");
}

/** A REPL on the workspace with a scripted model; resolves once its banner shows (it has recovered by then). */
async function replOn(dir: string, marker: string) {
  const repl = await startScriptedRepl({
    prefix: "lanes-claims-repl-",
    turns: [{ text: "noted" }],
    marker,
    cleanups,
    args: ["--cwd", dir],
  });
  // Quit and wait for its end before the workspace goes: a lanes killed with its terminal still writes there.
  cleanups.push(async () => {
    repl.term.type("/quit");
    repl.term.keys("Enter");
    await repl.term.waitFor(/\[exited \d+\]/, 20_000).catch(() => undefined);
  });
  return repl;
}

/** Asks a REPL one question and waits for its scripted answer. */
async function ask(repl: Awaited<ReturnType<typeof replOn>>): Promise<void> {
  repl.term.type("anything new?");
  repl.term.keys("Enter");
  await repl.term.waitFor("noted", 30_000);
}

/** What the REPLs' models hold: their conversations, saved in the workspace's session logs. */
function conversations(dir: string): string {
  const sessions = join(dir, ".lanes", "sessions");
  return readdirSync(sessions)
    .map((file) => readFileSync(join(sessions, file), "utf8"))
    .join("\n");
}

describe("an earlier lanes' leftovers go to exactly one lanes", () => {
  it(
    "two servers started together on leftovers: each ended result is carried once in total, the running task adopted once",
    {
      timeout: 90_000,
    },
    async () => {
      const left = await leftovers();
      const servers = await Promise.all([connect(cleanups, left.dir), connect(cleanups, left.dir)]);
      const seen = await tally(servers, left);
      expect(seen).toEqual({ results: [1, 1], adopted: 1 });
    },
  );

  it(
    "two servers started one after the other: the second delivers nothing the first took",
    {
      timeout: 90_000,
    },
    async () => {
      const left = await leftovers();
      const early = await connect(cleanups, left.dir);
      await sleep(1000);
      const late = await connect(cleanups, left.dir);
      const seen = await tally([late, early], left);
      expect(seen).toEqual({ results: [1, 1], adopted: 1 });
    },
  );

  it(
    "two lanes -p started together on leftovers: each ended result reaches one model once, the running task is adopted once",
    {
      timeout: 120_000,
    },
    async () => {
      const left = await leftovers();
      const bodies = await Promise.all([printRun(left.dir), printRun(left.dir)]);
      expect(countIn(bodies.join("\n"), left)).toEqual({ results: [1, 1], adopted: 1 });
    },
  );

  it(
    "two lanes -p one after the other on leftovers, the first still running: the second delivers nothing the first took; once both ended, the next two take the running task over once and say so once",
    {
      timeout: 120_000,
    },
    async () => {
      const left = await leftovers();
      // The second starts once the first has recovered (it asks its model then), and the first answers only
      // once the second has asked: the first is alive while the second recovers, whatever the machine's load.
      let firstAsked!: () => void;
      let secondAsked!: () => void;
      const firstRecovered = new Promise<void>((resolve) => (firstAsked = resolve));
      const hold = new Promise<void>((resolve) => (secondAsked = resolve));
      const first = printRun(left.dir, { asked: firstAsked, hold });
      await firstRecovered;
      const bodies = await Promise.all([first, printRun(left.dir, { asked: secondAsked })]);
      expect(countIn(bodies.join("\n"), left)).toEqual({ results: [1, 1], adopted: 1 });
      // Its adopter ended and the task runs on: of the next two, exactly one takes it over.
      const next = await Promise.all([printRun(left.dir), printRun(left.dir)]);
      expect(countIn(next.join("\n"), left)).toEqual({ results: [0, 0], adopted: 1 });
    },
  );

  it(
    "a REPL and a server started together on leftovers: each ended result reaches one model once in total, the running task is adopted once",
    { timeout: 120_000 },
    async () => {
      const left = await leftovers();
      const [repl, server] = await Promise.all([
        replOn(left.dir, "leftover-claims-repl"),
        connect(cleanups, left.dir),
      ]);
      await ask(repl);
      let replies = "";
      for (let round = 0; round < 3; round++)
        replies += `${(await call(server, "check_background", {})).results}\n`;
      const conversation = conversations(left.dir);
      expect(conversation).toContain("anything new?");
      expect(countIn(`${replies}\n${conversation}`, left)).toEqual({ results: [1, 1], adopted: 1 });
    },
  );

  it(
    "two REPLs started together on leftovers: each ended result reaches one model once in total, the running task is adopted once",
    { timeout: 120_000 },
    async () => {
      const left = await leftovers();
      const repls = await Promise.all([
        replOn(left.dir, "leftover-claims-a"),
        replOn(left.dir, "leftover-claims-b"),
      ]);
      for (const repl of repls) await ask(repl);
      expect(countIn(conversations(left.dir), left)).toEqual({ results: [1, 1], adopted: 1 });
    },
  );

  it(
    "two REPLs one after the other on leftovers: the second, started while the first runs, delivers nothing the first took",
    { timeout: 120_000 },
    async () => {
      const left = await leftovers();
      const early = await replOn(left.dir, "leftover-claims-early");
      const late = await replOn(left.dir, "leftover-claims-late");
      await ask(late);
      await ask(early);
      expect(countIn(conversations(left.dir), left)).toEqual({ results: [1, 1], adopted: 1 });
    },
  );
});
