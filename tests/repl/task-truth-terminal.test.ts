import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { ScriptTurn } from "../../src/model/script-provider.js";
import { liveProcessesWithEnv } from "../helpers/marked-processes.js";
import { TEST_MARK_VARIABLE, useProcessMarker } from "../helpers/process-marker.js";
import { LANES_BIN, runCli, testEnv } from "../helpers/run-cli.js";
import { startScriptedRepl, type ReplFolders, type ScriptedRepl } from "../helpers/scripted-repl.js";
import { eventually, sleep } from "../helpers/temp-workspace.js";

// The truth about tasks as the person at the REPL sees it: kills, queued tasks, the status line, leaving.

const cleanups: Array<() => void> = [];
const marker = useProcessMarker();
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

const TEST_MS = 60_000;

/** The REPL with a script model in a tmux pane (120 columns unless `width`); resolves once the banner shows. */
async function startRepl(
  turns: ScriptTurn[],
  config: Record<string, unknown> = {},
  options: { width?: number; args?: string[]; again?: ReplFolders } = {},
): Promise<ScriptedRepl> {
  const repl = await startScriptedRepl({
    prefix: "lanes-truth-",
    turns,
    config,
    marker: marker.value,
    cleanups,
    env: { LANES_RETRY_BASE_MS: "5" },
    ...options,
  });
  // Runs before the folder is removed: a lanes still ending its tasks there would write records into it.
  cleanups.push(() => void marker.killMarked());
  return repl;
}

/** `lanes` from another shell, with the REPL's user config. */
function cliEnv(home: string): NodeJS.ProcessEnv {
  return testEnv({ XDG_CONFIG_HOME: join(home, "config"), [TEST_MARK_VARIABLE]: marker.value });
}

const startSleeper: ScriptTurn[] = [
  {
    text: "Starting the server.",
    tool_calls: [{ name: "background_run", input: { command: "sleep 60", description: "dev server" } }],
  },
  { text: "It runs." },
];

describe("a kill by the user, in the REPL's own words", { timeout: TEST_MS }, () => {
  it("lanes tasks kill from another shell is recorded, listed and told to the model as killed by the user", async () => {
    const { term, work: dir, home } = await startRepl(startSleeper);
    term.type("serve");
    term.keys("Enter");
    const [, id = ""] = await term.waitFor(/Background task (\w+) (started|queued)/);
    await term.waitFor("It runs.");
    const kill = await runCli(["tasks", "kill", id], { cwd: dir, env: cliEnv(home) });
    expect(kill.code, kill.stderr).toBe(0);
    expect(kill.stdout).toMatch(
      new RegExp(`Killed task ${id} by the user \\(lanes tasks kill; SIG(TERM|KILL)\\)`),
    );
    // The person reads what the task was for (the model's description), then its command.
    await term.waitFor(new RegExp(`■ \\[bg:${id}\\] killed.*: dev server: sleep 60$`, "m"));
    // The model is woken with the user's kill, not an unexplained crash.
    await term.waitFor(
      new RegExp(
        `Background results received:\\n\\[bg:${id}\\] killed by the user \\(lanes tasks kill; SIG(TERM|KILL)\\) in `,
      ),
    );
    const record = JSON.parse(readFileSync(join(dir, ".lanes", "tasks", `${id}.json`), "utf8")) as {
      status: string;
      end_reason: string;
    };
    expect(record).toMatchObject({
      status: "killed",
      end_reason: "user_kill",
      end_detail: "killed by the user (lanes tasks kill)",
    });
    const listed = await runCli(["tasks", "--all"], { cwd: dir, env: cliEnv(home) });
    expect(listed.stdout).toMatch(
      new RegExp(`^${id}  killed by the user \\(lanes tasks kill; SIG(TERM|KILL)\\) `, "m"),
    );
    expect(listed.stdout).not.toContain("not sent by lanes");
  });

  it("/tasks kill in the REPL does not wake the model; the result goes with the next message, once", async () => {
    const { term } = await startRepl(startSleeper);
    term.type("serve");
    term.keys("Enter");
    const [, id = ""] = await term.waitFor(/Background task (\w+) (started|queued)/);
    await term.waitFor("It runs.");
    term.type(`/tasks kill ${id}`);
    term.keys("Enter");
    await term.waitFor(new RegExp(`■ \\[bg:${id}\\] killed`));
    // Bounded look for something that must not happen: a woken turn would answer within this.
    await sleep(2000);
    expect(term.screen()).not.toContain("background results");
    expect(term.screen()).not.toContain("Background results received");
    term.type("what now?");
    term.keys("Enter");
    // The script is finished: its answers quote the results each message carried.
    await term.waitFor(new RegExp(`Background results received:\\n\\[bg:${id}\\] killed`));
    term.type("and now?");
    term.keys("Enter");
    // Delivered once: the next message carries nothing.
    await term.waitFor("(script finished)");
  });
});

describe("tasks as the REPL names them", { timeout: TEST_MS }, () => {
  it("a queued task is said to be queued with what holds its lane; the status line and /tasks show descriptions", async () => {
    const run = (command: string, description: string, lane?: string) => ({
      name: "background_run",
      input: { command, description, ...(lane === undefined ? {} : { lane }) },
    });
    const { term } = await startRepl(
      [
        {
          text: "Starting all three.",
          tool_calls: [
            run("sleep 61", "dev server"),
            run("sleep 62", "unit tests", "tests"),
            run("sleep 63", "lint", "tests"),
          ],
        },
        { text: "They are under way." },
      ],
      { lanes: { tests: { limit: 1 } }, wake_on_result: false },
    );
    term.type("go");
    term.keys("Enter");
    await term.waitFor("They are under way.");
    const [, tests = ""] = await term.waitFor(/Background task (\w+) started: unit tests: sleep 62/);
    const [, lint = ""] = await term.waitFor(/Background task (\w+) queued: lint: sleep 63/);
    const joined = term.screen().replace(/ *\n */g, " ");
    expect(joined).toContain(`Queued: lane "tests" is at its limit of 1, held by ${tests}: sleep 62`);
    expect(term.screen()).not.toMatch(new RegExp(`Background task ${lint} started`));
    // The status line names each running task by its description, none cut to a stub.
    await term.waitFor(/● 2 running, 1 queued · \w+ \d+s dev server · \w+ \d+s unit tests\s*$/m);
    term.type("/tasks");
    term.keys("Enter");
    await term.waitFor(new RegExp(`^${tests}  running .*unit tests: sleep 62`, "m"));
    await term.waitFor(new RegExp(`^${lint}  queued .*lint: sleep 63`, "m"));
  });
});

describe("after a crash", { timeout: 90_000 }, () => {
  it("--continue counts a task that ended meanwhile as ended, and shows the conversation so far", async () => {
    const {
      term,
      work: dir,
      home,
    } = await startRepl([
      {
        text: "Starting the build.",
        tool_calls: [
          {
            name: "background_run",
            input: { command: "while [ ! -f go ]; do sleep 0.05; done; echo built", description: "build" },
          },
        ],
      },
      { text: "The build runs in the background." },
    ]);
    term.type("build the project");
    term.keys("Enter");
    const [, id = ""] = await term.waitFor(/Background task (\w+) started/);
    await term.waitFor("The build runs in the background.");
    // Crash: SIGKILL the lanes process (found by its command line among this test's marked processes).
    const lanes = liveProcessesWithEnv(TEST_MARK_VARIABLE, (value) => value === marker.value).filter(
      (found) => cmdlineOf(found.pid).includes(LANES_BIN),
    );
    expect(lanes).toHaveLength(1);
    process.kill(lanes[0]?.pid ?? 0, "SIGKILL");
    await term.waitFor("[exited 137]");
    writeFileSync(join(dir, "go"), "");
    const exitFile = join(dir, ".lanes", "tasks", `${id}.exit`);
    expect(await eventually(() => existsSync(exitFile) && statSync(exitFile).size > 0, 10_000)).toBe(true);
    // Someone looks meanwhile: `lanes tasks` writes the end it derives back to the record.
    const listed = await runCli(["tasks"], { cwd: dir, env: cliEnv(home) });
    expect(listed.stdout).toMatch(new RegExp(`^${id}  completed, exit 0`, "m"));
    term.kill();

    const { term: resumed } = await startRepl(
      [{ text: "Welcome back." }],
      {},
      {
        again: { work: dir, home },
        args: ["--continue"],
      },
    );
    await resumed.waitFor("picked up 1 task from an earlier run: 1 ended");
    await resumed.waitFor(/Resumed session [\w-]+:/);
    await resumed.waitFor(/› build the project\n(.*\n)*Starting the build\.\n⏺ background_run\(build: while/);
    await resumed.waitFor("The build runs in the background.");
  });
});

describe("keys at the prompt", { timeout: TEST_MS }, () => {
  it("Ctrl+C on a draft releases a result wake that waited for the line to empty", async () => {
    const { term, work: dir } = await startRepl([
      {
        text: "Starting the build.",
        tool_calls: [
          {
            name: "background_run",
            input: { command: "until [ -e go ]; do sleep 0.05; done; echo build-done" },
          },
        ],
      },
      { text: "It runs." },
    ]);
    term.type("build it");
    term.keys("Enter");
    const [, id = ""] = await term.waitFor(/Background task (\w+) started/);
    await term.waitFor("It runs.");
    term.type("half a thought");
    // The task ends once the draft is on the prompt: the wake then waits for the line to empty.
    await term.waitFor(/› half a thought\s*$/);
    writeFileSync(join(dir, "go"), "");
    await term.waitFor(new RegExp(`■ \\[bg:${id}\\] completed, exit 0`));
    term.keys("C-c");
    await term.waitFor(
      new RegExp(`Background results received:\\n\\[bg:${id}\\] completed, exit 0.*build-done`),
    );
  });

  it("Ctrl+Z without job control says so and the REPL keeps working", async () => {
    const { term } = await startRepl([{ text: "Still here." }]);
    term.keys("C-z");
    await term.waitFor("Ctrl+Z: no job control here");
    term.type("are you there?");
    term.keys("Enter");
    await term.waitFor("Still here.");
  });

  it("Ctrl+D with a running task asks once; leaving names the persisted task that keeps running and how to resume", async () => {
    const {
      term,
      work: dir,
      home,
    } = await startRepl([
      {
        text: "Starting both.",
        tool_calls: [
          { name: "background_run", input: { command: "sleep 60", description: "watcher" } },
          {
            name: "background_run",
            input: { command: "sleep 61", description: "dev server", persist: true },
          },
        ],
      },
      { text: "Both run." },
    ]);
    term.type("start them");
    term.keys("Enter");
    await term.waitFor("Both run.");
    const dev = (await term.waitFor(/Background task (\w+) started: dev server: sleep 61/))[1] ?? "";
    term.keys("C-d");
    await term.waitFor("1 background task is still running: Ctrl+D again ends them and exits.");
    expect(term.screen()).not.toContain("[exited");
    term.keys("C-d");
    await term.waitFor("[exited 0]");
    const screen = term.screen();
    expect(screen).toContain("Ending 1 background task…");
    expect(screen).toContain(`Still running (persisted): ${dev} dev server`);
    const [, session = ""] =
      /Session ([\w-]+) saved: lanes --resume ([\w-]+) \(or lanes --continue\)/.exec(screen) ?? [];
    expect(existsSync(join(dir, ".lanes", "sessions", `${session}.jsonl`))).toBe(true);
    const listed = await runCli(["tasks"], { cwd: dir, env: cliEnv(home) });
    expect(listed.stdout).toMatch(new RegExp(`^${dev}  running`, "m"));
    await runCli(["tasks", "kill", dev], { cwd: dir, env: cliEnv(home) });
  });
});

/** A process's command line, or "" once it has gone (a short-lived sandbox helper may exit meanwhile). */
function cmdlineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "latin1");
  } catch {
    return "";
  }
}
