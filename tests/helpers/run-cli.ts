import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inject } from "vitest";
import { killByEnv } from "./process-tree.js";
import { pidAlive } from "./temp-workspace.js";

/** The compiled CLI, built from the current sources once per test run (tests/build-cli.ts). */
export const LANES_BIN = inject("lanesBin");

/** Set on every CLI a test starts (inherited by its tasks), so whatever it leaves can be found and ended. */
export const CLI_MARK_VARIABLE = "LANES_TEST_CLI_RUN";

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  pid: number;
}

// On globalThis, not in a module variable: vitest may load this module once per test file in one process.
const HOME_KEY = Symbol.for("lanes.tests.cliHome");
type WithHome = typeof globalThis & { [HOME_KEY]?: string };
const HOME_PREFIX = "lanes-test-home-";

/** Removes temp homes whose test process is gone (a worker killed before its afterAll ran). */
function removeStaleHomes(): void {
  for (const name of readdirSync(tmpdir())) {
    const owner = new RegExp(`^${HOME_PREFIX}(\\d+)-`).exec(name)?.[1];
    if (owner !== undefined && !pidAlive(Number(owner))) {
      rmSync(join(tmpdir(), name), { recursive: true, force: true });
    }
  }
}

/** An empty HOME for this test process (with `.config` in it), removed after the test file. */
export function testHome(): string {
  const global = globalThis as WithHome;
  const existing = global[HOME_KEY];
  if (existing !== undefined) return existing;
  removeStaleHomes();
  const home = realpathSync(mkdtempSync(join(tmpdir(), `${HOME_PREFIX}${process.pid}-`)));
  mkdirSync(join(home, ".config"));
  global[HOME_KEY] = home;
  return home;
}

function removeHome(): void {
  const global = globalThis as WithHome;
  const home = global[HOME_KEY];
  delete global[HOME_KEY];
  if (home !== undefined) rmSync(home, { recursive: true, force: true });
}

/**
 * The environment for a CLI under test: no real credentials, fast retries, nothing from the developer (a
 * private HOME and XDG_CONFIG_HOME, so no ~/.config/lanes/config.json or history leaks in).
 */
export function testEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const home = testHome();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    XDG_CONFIG_HOME: join(home, ".config"),
    NO_COLOR: "1",
    LANES_RETRY_BASE_MS: "5",
  };
  for (const [key, value] of Object.entries(extra)) if (value !== undefined) env[key] = value;
  return env;
}

let runs = 0;
const running = new Map<ChildProcess, string>();

/** SIGKILLs a CLI that is still running, its process group, and every process carrying its mark. */
function stopRun(child: ChildProcess, mark: string): void {
  running.delete(child);
  if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
    for (const target of [-child.pid, child.pid]) {
      try {
        process.kill(target, "SIGKILL");
      } catch {
        // Not a group leader, or already gone.
      }
    }
  }
  killByEnv(CLI_MARK_VARIABLE, mark);
}

/**
 * Ends the runs a test file started outside a test (in a beforeAll) and removes its temp HOME: called after
 * every file by tests/file-cleanup.ts (a module-level afterAll here would be registered for only the first
 * file of a worker that several files share).
 */
export function endFileRuns(): void {
  for (const [child, mark] of running) stopRun(child, mark);
  removeHome();
}

/**
 * Ends the run when its test finishes, through the test context's own hook when the caller passes it. The
 * global `onTestFinished` is not used: inside `describe.concurrent` it binds to whichever test is current,
 * so one test's end killed another test's CLI. Without a hook, endFileRuns ends what is left after the file.
 */
function stopWhenTestEnds(child: ChildProcess, mark: string, onFinished?: (hook: () => void) => void): void {
  onFinished?.(() => stopRun(child, mark));
}

/**
 * Runs `lanes ARGS` as a real child process and collects its output. Whatever is still running when the
 * test finishes (this CLI, its group, the tasks it started) is SIGKILLed, so a hung CLI never outlives it.
 */
export function runCli(
  args: string[],
  options: {
    env: NodeJS.ProcessEnv;
    cwd: string;
    onSpawn?: (pid: number) => void;
    input?: string | undefined;
    /** The test context's `onTestFinished`, to end this run (and its tasks) when that test ends. */
    onTestFinished?: ((hook: () => void) => void) | undefined;
  },
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const mark = `${process.pid}-${++runs}`;
    const child = spawn(process.execPath, [LANES_BIN, ...args], {
      cwd: options.cwd,
      env: { ...options.env, [CLI_MARK_VARIABLE]: mark },
      stdio: ["pipe", "pipe", "pipe"],
    });
    running.set(child, mark);
    stopWhenTestEnds(child, mark, options.onTestFinished);
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    if (child.pid !== undefined) options.onSpawn?.(child.pid);
    child.stdin.end(options.input ?? "");
    child.on("close", (code, signal) => {
      running.delete(child);
      resolve({ code, signal, stdout, stderr, pid: child.pid ?? -1 });
    });
  });
}
