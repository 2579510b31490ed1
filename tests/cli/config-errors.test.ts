import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCli, testEnv } from "../helpers/run-cli.js";
import { tempWorkspace } from "../helpers/temp-workspace.js";

let ws: { dir: string; cleanup: () => void };
beforeEach(() => (ws = tempWorkspace()));
afterEach(() => ws.cleanup());

// A key and a closed port: nothing leaves the machine, and only the config can stop the run.
const env = (): NodeJS.ProcessEnv =>
  testEnv({ ANTHROPIC_API_KEY: "sk-test", ANTHROPIC_BASE_URL: "http://127.0.0.1:9" });

function writeConfig(text: string): string {
  mkdirSync(join(ws.dir, ".lanes"), { recursive: true });
  const file = join(ws.dir, ".lanes", "config.json");
  writeFileSync(file, text);
  return file;
}

describe("a malformed config file: the message names the file, the key and the fix", () => {
  it("each wrong key on its own line: what it holds, what it takes, its default, a likely intended name", async () => {
    const file = writeConfig(
      JSON.stringify({ lane: {}, sandbox: "full", task_retention_days: -1, lanes: { t: { limit: "two" } } }),
    );
    const run = await runCli(["-p", "hi"], { cwd: ws.dir, env: env() });
    expect(run.code).toBe(2);
    const lines = run.stderr.trim().split("\n");
    expect(lines[0]).toBe(`lanes: ${file} is not a valid configuration:`);
    expect(lines).toContain(`  "lane" is not a setting: did you mean "lanes"?`);
    expect(lines).toContain(
      `  sandbox is "full": expected one of "read-only", "workspace-write", "danger-full-access" (or remove it for the default "workspace-write")`,
    );
    expect(lines).toContain(
      "  task_retention_days is -1: expected a number of at least 0 (or remove it for the default 7)",
    );
    expect(lines).toContain(`  lanes.t.limit is "two": expected a number`);
    expect(lines.at(-1)).toMatch(/README's "Settings" table/);
    expect(run.stderr).not.toMatch(/Invalid input|Unrecognized key|\(top\)/);
  });

  it("JSON that does not parse: the line and column, and the slip it most likely is", async () => {
    writeConfig('{\n  "default_lane_limit": 4,\n}\n');
    const comma = await runCli(["-p", "hi"], { cwd: ws.dir, env: env() });
    expect(comma.code).toBe(2);
    expect(comma.stderr).toMatch(
      /\n {2}not valid JSON at line 3, column 1: .*\(a trailing comma or a comment\? JSON allows neither\)\n/,
    );
    writeConfig("[4]");
    const array = await runCli(["-p", "hi"], { cwd: ws.dir, env: env() });
    expect(array.stderr).toMatch(
      /not a JSON object: the file holds one object, e\.g\. \{"default_lane_limit": 4\}/,
    );
  });

  it("lanes doctor lists a bad config among its checks and still runs the others", async () => {
    const file = writeConfig(JSON.stringify({ sandbox: "full" }));
    const run = await runCli(["doctor"], { cwd: ws.dir, env: env() });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/✓ node /);
    expect(run.stdout).toContain(`✗ ${file} is not valid: sandbox is "full": expected one of`);
    expect(run.stdout).toMatch(/✗ https?:\/\/127\.0\.0\.1:9 not reachable/);
    expect(run.stdout).toMatch(/– sandbox not checked: it needs a valid configuration/);
    expect(run.stderr).toBe("");
  });
});
