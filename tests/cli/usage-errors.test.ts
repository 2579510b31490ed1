import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCli, testEnv, type CliRun } from "../helpers/run-cli.js";
import { tempWorkspace } from "../helpers/temp-workspace.js";

let ws: { dir: string; cleanup: () => void };
beforeEach(() => (ws = tempWorkspace()));
afterEach(() => ws.cleanup());

const lanes = (args: string[], env: Record<string, string> = {}): Promise<CliRun> =>
  runCli(args, { cwd: ws.dir, env: testEnv({ ANTHROPIC_API_KEY: "sk-test", ...env }) });

/** A usage error as the CLI must print it: exit 2, one line on stderr pointing at --help, not the help. */
function expectUsageLine(run: CliRun, problem: RegExp): void {
  expect(run.code, run.stderr).toBe(2);
  const lines = run.stderr.trimEnd().split("\n");
  expect(lines, run.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(problem);
  expect(lines[0]).toMatch(/\(see lanes( [a-z]+)* --help\)$/);
  expect(run.stdout).toBe("");
}

describe("usage errors: exit 2, one line naming the problem and pointing at --help", () => {
  it("for an unknown flag, a missing argument, a bad flag value and a bad LANES_* number", async () => {
    const [unknown, missing, format, turns, laneLimit, envNumber, provider] = await Promise.all([
      lanes(["--frobnicate"]),
      lanes(["run"]),
      lanes(["-p", "x", "--output-format", "xml"]),
      lanes(["-p", "x", "--max-turns", "0"]),
      lanes(["-p", "x", "--lane-limit", "tests"]),
      lanes(["-p", "x"], { LANES_MAX_RETRIES: "lots" }),
      lanes(["-p", "x"], { LANES_PROVIDER: "gemini" }),
    ]);
    expectUsageLine(unknown, /unknown option '--frobnicate'/);
    expectUsageLine(missing, /missing required argument 'command'/);
    expectUsageLine(format, /'xml' is invalid.*text, json, stream-json/);
    expectUsageLine(turns, /--max-turns.*'0' is invalid.*positive whole number/);
    expectUsageLine(laneLimit, /--lane-limit.*'tests' is invalid.*LANE=N/);
    expectUsageLine(envNumber, /LANES_MAX_RETRIES must be a whole number.*"lots"/);
    expectUsageLine(provider, /LANES_PROVIDER must be "anthropic" or "openai", got "gemini"/);
  });

  it("a mistyped flag: still one line, naming the flag meant; a bad value reads as one sentence", async () => {
    const [model, all, turns] = await Promise.all([
      lanes(["--modle", "x", "-p", "hi"]),
      lanes(["tasks", "--al"]),
      lanes(["-p", "x", "--max-turns", "ten"]),
    ]);
    expectUsageLine(
      model,
      /^lanes: unknown option '--modle' \(did you mean --model\?\) \(see lanes --help\)$/,
    );
    expectUsageLine(all, /^lanes: unknown option '--al' \(did you mean --all\?\)/);
    expectUsageLine(turns, /'ten' is invalid: expected a positive whole number/);
  });

  it("a missing argument points at its own command's help; a missing task id at where the ids are", async () => {
    const [run, logs, kill] = await Promise.all([
      lanes(["run"]),
      lanes(["tasks", "logs"]),
      lanes(["tasks", "kill"]),
    ]);
    expectUsageLine(run, /^lanes: missing required argument 'command' \(see lanes run --help\)$/);
    for (const missing of [logs, kill])
      expectUsageLine(
        missing,
        /^lanes: missing required argument 'id': lanes tasks --all lists the ids \(see lanes tasks (logs|kill) --help\)$/,
      );
  });

  it("lanes help with an unknown command names the commands instead of printing the whole help", async () => {
    const [typo, unknown] = await Promise.all([lanes(["help", "tsks"]), lanes(["help", "nope"])]);
    expectUsageLine(
      typo,
      /^lanes: "tsks" is not a command: did you mean lanes tasks\? the commands are demo, run, /,
    );
    expectUsageLine(unknown, /^lanes: "nope" is not a command: the commands are demo, run, /);
  });

  it("a prompt given as a bare argument says to use -p", async () => {
    const run = await lanes(["fix the bug"]);
    expectUsageLine(run, /"fix the bug" is not a command; to run a prompt, use -p: lanes -p "fix the bug"/);
  });

  it("ANTHROPIC_BASE_URL that is not a URL fails at once, before any request or retry", async () => {
    const run = await lanes(["-p", "x"], { ANTHROPIC_BASE_URL: "not-a-url" });
    expectUsageLine(run, /ANTHROPIC_BASE_URL must be an http:\/\/ or https:\/\/ URL, got "not-a-url"/);
    expect(existsSync(join(ws.dir, ".lanes"))).toBe(false);
  });

  it("--cwd that does not exist, or is a file: one line, exit 2, nothing created", async () => {
    const missing = join(ws.dir, "no-such-folder");
    const file = join(ws.dir, "notes.txt");
    writeFileSync(file, "x");
    const [gone, notFolder, doctor] = await Promise.all([
      lanes(["--cwd", missing, "-p", "x"]),
      lanes(["--cwd", file, "tasks"]),
      lanes(["--cwd", missing, "doctor"]),
    ]);
    expectUsageLine(gone, /no-such-folder does not exist/);
    expectUsageLine(notFolder, /notes\.txt is not a folder/);
    expectUsageLine(doctor, /no-such-folder does not exist/);
    expect(existsSync(missing)).toBe(false);
    expect(readdirSync(ws.dir)).toEqual(["notes.txt"]);
  });
});
