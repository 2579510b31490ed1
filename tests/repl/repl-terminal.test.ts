import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { ScriptTurn } from "../../src/model/script-provider.js";
import { liveProcessesWithEnv } from "../helpers/marked-processes.js";
import { useProcessMarker } from "../helpers/process-marker.js";
import { runCli, testEnv } from "../helpers/run-cli.js";
import { startScriptedRepl, type ScriptedRepl } from "../helpers/scripted-repl.js";
import { eventually, pidAlive, tempWorkspace } from "../helpers/temp-workspace.js";

// eslint-disable-next-line no-control-regex
const ESCAPE = /\u001b\[/;

const cleanups: Array<() => void> = [];
// Registered first so it runs last: after the terminals are gone, whatever their tasks left is SIGKILLed.
const marker = useProcessMarker();
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

/** Each test's bound: the startup (up to 25 s on a loaded machine) plus a few bounded waits of 10 s at most. */
const TEST_MS = 60_000;

/** lanes in a 120x40 tmux pane with a scripted model and this user config; resolves once the banner shows. */
async function startRepl(turns: ScriptTurn[], config: Record<string, unknown> = {}): Promise<ScriptedRepl> {
  const repl = await startScriptedRepl({
    prefix: "lanes-repl-",
    turns,
    config,
    marker: marker.value,
    cleanups,
    env: { LANES_RETRY_BASE_MS: "5" },
  });
  // Runs before the folder is removed: a lanes still ending its tasks there would write records into it.
  cleanups.push(() => void marker.killMarked());
  return repl;
}

/** A FIFO in `dir` that a task's `cat gate` blocks on; the test opens it when it has seen enough. */
function makeGate(dir: string): () => Promise<void> {
  execFileSync("mkfifo", [join(dir, "gate")]);
  return () => writeFile(join(dir, "gate"), "");
}

describe("the REPL in a real terminal", { timeout: TEST_MS }, () => {
  it("shows the banner, a running task in the live status line, its completion at the prompt, and /tasks lists it", async () => {
    // With wake_on_result off, the result waits at the prompt for the next message (the wake is tested below).
    const { term, work: dir } = await startRepl(
      [
        {
          delay_ms: 1500,
          text: "Starting the build.",
          tool_calls: [{ name: "background_run", input: { command: "cat gate; echo build-finished" } }],
        },
        { text: "It runs in the background." },
      ],
      { wake_on_result: false },
    );
    const openGate = makeGate(dir);
    term.type("build it");
    term.keys("Enter");
    await term.waitFor(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] thinking/);
    const [, id] = await term.waitFor(/Background task (\w+) started/);
    await term.waitFor("It runs in the background.");
    // While it runs, the status line above the prompt shows it with its id, elapsed time and command.
    await term.waitFor(new RegExp(`● 1 running · ${id} \\d+s cat gate; echo build-finished`));
    await openGate();
    await term.waitFor(new RegExp(`■ \\[bg:${id}\\] completed, exit 0 in [\\d.]+m?s: cat gate`));
    await eventually(() => !term.screen().includes("1 running"), 2000);
    expect(term.screen()).not.toContain("1 running");
    expect(term.screen()).toMatch(/completed, exit 0.*\n›\s*$/m);
    expect(term.screen(true)).toMatch(ESCAPE);
    term.type("/tasks");
    term.keys("Enter");
    await term.waitFor(
      new RegExp(`^${id}  completed, exit 0 [\\d.]+m?s  cat gate; echo build-finished`, "m"),
    );
  });

  it("Ctrl+C cancels a slow model turn but not the running task; Ctrl+D exits and ends the task's processes", async () => {
    const { term, work: dir } = await startRepl([
      {
        text: "Starting a server.",
        tool_calls: [{ name: "background_run", input: { command: "sleep 30 & echo $! > sleep.pid; wait" } }],
      },
      { delay_ms: 20_000, text: "too late" },
    ]);
    term.type("serve");
    term.keys("Enter");
    const [, id] = await term.waitFor(/Background task (\w+) started/);
    await term.waitFor(/thinking \d+s · Ctrl\+C cancel/);
    term.keys("C-c");
    await term.waitFor("Cancelled. Background tasks keep running");
    expect(term.screen()).not.toMatch(/thinking/);
    expect(term.screen()).toContain(`● 1 running · ${id}`);
    await eventually(() => existsSync(join(dir, "sleep.pid")), 5000);
    // Inside the sandbox `$!` is a pid of its own namespace: find the host pid by the task's marker.
    const sleeper = liveProcessesWithEnv("LANES_TASK_ID", (value) => value === id).find((found) =>
      readFileSync(`/proc/${found.pid}/cmdline`, "latin1").startsWith("sleep\0"),
    );
    expect(sleeper).toBeDefined();
    const pid = sleeper?.pid ?? 0;
    expect(pidAlive(pid)).toBe(true);
    // With a task running, Ctrl+D asks once; the second ends it and exits.
    term.keys("C-d");
    await term.waitFor("1 background task is still running: Ctrl+D again ends them and exits.");
    term.keys("C-d");
    await term.waitFor(/Ending 1 background task/);
    await term.waitFor("[exited 0]");
    expect(term.screen()).not.toContain("too late");
    expect(await eventually(() => !pidAlive(pid), 3000)).toBe(true);
  });

  it("Ctrl+B moves a running foreground bash into a lane: the tool returns at once with the task id", async () => {
    const { term } = await startRepl([
      { text: "Running it.", tool_calls: [{ name: "bash", input: { command: "sleep 30; echo slept" } }] },
      { text: "Moved on." },
    ]);
    term.type("run");
    term.keys("Enter");
    await term.waitFor(/bash\(sleep 30; echo slept\) (\d+s )?· Ctrl\+B background/);
    const pressed = Date.now();
    term.keys("C-b");
    const [, id] = await term.waitFor(/moved to background task (\w+)/);
    await term.waitFor("Moved on.");
    // Well before `sleep 30` could have ended (a finished command would have shown "slept" instead).
    expect(Date.now() - pressed).toBeLessThan(15_000);
    expect(term.screen()).not.toMatch(/⎿ slept/);
    expect(term.screen()).toMatch(new RegExp(`● 1 running · ${id} \\d+s sleep 30`));
  });

  it("a pasted block and a backslash-continued line are one message each, Up recalls them from saved history, Ctrl+C twice exits", async () => {
    const { term, home } = await startRepl([{ text: "first answer" }, { text: "second answer" }]);
    term.paste("line one\nline two\nline three");
    await term.waitFor(/^› line one\n {2}line two\n {2}line three/m);
    term.keys("Enter");
    await term.waitFor("first answer");
    term.type("alpha \\");
    term.keys("Enter");
    term.type("beta");
    term.keys("Enter");
    await term.waitFor("second answer");
    // (tmux drops trailing spaces from the lines it captures)
    await term.waitFor(/^› alpha *\n {2}beta/m);
    expect(term.screen()).not.toContain("(script finished)");
    term.keys("Up");
    await term.waitFor(/second answer\n› alpha *\n {2}beta\s*$/);
    const history = readFileSync(join(home, "config", "lanes", "history"), "utf8");
    expect(history).toBe("line one\\nline two\\nline three\nalpha \\nbeta\n");
    // Ctrl+C at the prompt clears what was there; a second one within two seconds exits.
    term.keys("C-c");
    await term.waitFor(/second answer\n›\s*\nPress Ctrl\+C again to exit/);
    term.keys("C-c");
    await term.waitFor("[exited 0]");
  });
  it("wake_on_result: a result landing at an empty prompt wakes the model, and its answer shows above the prompt", async () => {
    const { term, work: dir } = await startRepl([
      {
        text: "Starting the tests.",
        tool_calls: [{ name: "background_run", input: { command: "cat gate; echo tests-passed" } }],
      },
      { text: "They run; I will tell you how they went." },
      // Then the script is done: a wake is answered by quoting the results it carried.
    ]);
    const openGate = makeGate(dir);
    term.type("run the tests in the background and tell me how they went");
    term.keys("Enter");
    const [, id] = await term.waitFor(/Background task (\w+) started/);
    // The task ends once the turn is over and the prompt is empty.
    await term.waitFor(/They run; I will tell you how they went\.\n(.*\n)*›\s*$/);
    await openGate();
    // Nobody types: the result wakes the model, whose answer comes like any turn's, the prompt below it.
    await term.waitFor(
      new RegExp(
        `↻ background results\\n(.*\\n)*Background results received:\\n\\[bg:${id}\\] completed, exit 0.*tests-passed`,
      ),
    );
    await term.waitFor(/tests-passed.*\n(.*\n)*›\s*$/);
  });

  it("wake_on_result: while the person types the wake waits, and goes once the line is empty again", async () => {
    const { term, work: dir } = await startRepl([
      {
        text: "Starting the build.",
        tool_calls: [{ name: "background_run", input: { command: "cat gate; echo build-done" } }],
      },
      { text: "It runs." },
    ]);
    const openGate = makeGate(dir);
    term.type("build it");
    term.keys("Enter");
    const [, id] = await term.waitFor(/Background task (\w+) started/);
    await term.waitFor("It runs.");
    term.type("half");
    // The task ends once the half-written message is on the prompt.
    await term.waitFor(/› half\s*$/);
    await openGate();
    await term.waitFor(new RegExp(`■ \\[bg:${id}\\] completed, exit 0`));
    // The result is on screen, but the model is not woken under a half-written message.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(term.screen()).not.toContain("Background results received");
    expect(term.screen()).toMatch(/› half\s*$/);
    term.keys("BSpace", "BSpace", "BSpace", "BSpace");
    await term.waitFor(
      new RegExp(`Background results received:\\n\\[bg:${id}\\] completed, exit 0.*build-done`),
    );
  });
});

describe("the REPL from a pipe", { timeout: TEST_MS }, () => {
  it("with NO_COLOR and no terminal writes no escape codes, and runs each line as a message or command", async () => {
    const workspace = tempWorkspace("lanes-repl-");
    cleanups.push(workspace.cleanup);
    const script = join(workspace.dir, "script.json");
    writeFileSync(script, JSON.stringify({ turns: [{ text: "hello from the script" }] }));
    const run = await runCli(["--model", `script:${script}`], {
      cwd: workspace.dir,
      env: testEnv({ NO_COLOR: "1", XDG_CONFIG_HOME: join(workspace.dir, "config") }),
      input: "hi\n/tasks\n/exit\n",
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("hello from the script");
    expect(run.stdout).toContain("No background tasks in this session.");
    expect(run.stdout).not.toMatch(ESCAPE);
    expect(run.stdout).not.toContain("\u001b");
    expect(existsSync(join(workspace.dir, "config", "lanes", "history"))).toBe(false);
  });

  it("/tasks lists another live lanes' task in the folder, and /tasks logs and /tasks kill reach it", async () => {
    const workspace = tempWorkspace("lanes-repl-");
    cleanups.push(workspace.cleanup);
    const env = testEnv({ NO_COLOR: "1", XDG_CONFIG_HOME: join(workspace.dir, "config") });
    // Another lanes, alive while this session runs: an attached `lanes run` in the same folder.
    const other = runCli(["run", "echo from-the-other; sleep 120"], { cwd: workspace.dir, env });
    const tasks = join(workspace.dir, ".lanes", "tasks");
    const logged = () =>
      (existsSync(tasks) ? readdirSync(tasks) : [])
        .filter((name) => name.endsWith(".log"))
        .find((name) => readFileSync(join(tasks, name), "utf8").includes("from-the-other"));
    expect(await eventually(() => logged() !== undefined, 20_000)).toBe(true);
    const id = logged()?.replace(/\.log$/, "") ?? "?";
    const script = join(workspace.dir, "script.json");
    writeFileSync(script, JSON.stringify({ turns: [] }));
    const run = await runCli(["--model", `script:${script}`], {
      cwd: workspace.dir,
      env,
      input: `/tasks\n/tasks kill\n/tasks logs ${id}\n/tasks kill ${id}\n/exit\n`,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("No background tasks in this session.");
    expect(run.stdout).toContain("Other lanes in this folder (their results go to their own session):");
    expect(run.stdout).toMatch(new RegExp(`${id}\\s+running.*sleep 120`));
    expect(run.stdout).toMatch(/^from-the-other$/m);
    // Without an id, the tasks it could mean, not a usage line.
    expect(run.stdout).toContain(`/tasks kill needs a task id: ${id} (echo from-the-other; sleep 120).`);
    expect(run.stdout).toContain(`Killed task ${id}`);
    // The other lanes saw its command end by the signal, as a shell would report it.
    expect((await other).code).toBe(143);
  });
});
