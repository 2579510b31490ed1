import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCli, testEnv } from "../helpers/run-cli.js";
import { tempWorkspace } from "../helpers/temp-workspace.js";

let ws: { dir: string; cleanup: () => void };
beforeEach(() => (ws = tempWorkspace()));
afterEach(() => ws.cleanup());

// A closed port: the endpoint check fails fast, and no request leaves the machine.
const offline = { ANTHROPIC_BASE_URL: "http://127.0.0.1:9" };

describe("lanes doctor: the right fix for the workspace", () => {
  it("a key only in an untrusted workspace .env: the fix is lanes trust", async () => {
    writeFileSync(join(ws.dir, ".env"), "ANTHROPIC_API_KEY=sk-in-dotenv\n");
    const run = await runCli(["doctor"], { cwd: ws.dir, env: testEnv(offline) });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /✗ no ANTHROPIC_API_KEY or ANTHROPIC_AUTH_TOKEN\n\s+fix: ANTHROPIC_API_KEY is in .*\.env, .*run lanes trust/,
    );
    expect(run.stdout).not.toMatch(/put it in \.env/);
  });

  it("a .lanes that is a file is not a writable workspace, and says what to move", async () => {
    writeFileSync(join(ws.dir, ".lanes"), "oops");
    const run = await runCli(["doctor"], { cwd: ws.dir, env: testEnv(offline) });
    expect(run.stdout).toMatch(/✗ .*\.lanes is not a folder/);
    expect(run.stdout).toMatch(/fix: move or remove .*\.lanes/);
    expect(run.stdout).not.toMatch(/is writable/);
  });
});
