/* eslint-disable @typescript-eslint/no-explicit-any -- stream-json events are loose JSON in tests */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ScriptTurn } from "../../src/model/script-provider.js";
import { runCli, testEnv } from "../helpers/run-cli.js";
import { tempWorkspace } from "../helpers/temp-workspace.js";

let ws: { dir: string; cleanup: () => void };
beforeEach(() => (ws = tempWorkspace("lanes-edit-diff-")));
afterEach(() => ws.cleanup());

/** lanes -p --output-format stream-json with a scripted model; returns the tool-result events. */
async function streamRun(turns: ScriptTurn[], args: string[] = []) {
  const script = join(ws.dir, "script.json");
  writeFileSync(script, JSON.stringify({ turns }));
  const run = await runCli(
    ["-p", "go", "--output-format", "stream-json", "--model", `script:${script}`, ...args],
    { cwd: ws.dir, env: testEnv() },
  );
  const events = run.stdout
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line));
  return { run, results: events.filter((event: any) => event.type === "tool-result") };
}

describe("file edits carry their diff in stream-json", () => {
  it("write_file of a new file and edit_file of it each give a tool-result with a unified diff field", async () => {
    const { run, results } = await streamRun([
      {
        tool_calls: [
          { name: "write_file", input: { path: "src/a.txt", content: "one\ntwo\nthree\n" } },
          { name: "edit_file", input: { path: "src/a.txt", old_text: "two", new_text: "TWO\nand a half" } },
        ],
      },
      { text: "done" },
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(results.map((event: any) => event.is_error)).toEqual([false, false]);
    expect(results[0].diff).toBe("--- /dev/null\n+++ b/src/a.txt\n@@ -0,0 +1,3 @@\n+one\n+two\n+three\n");
    expect(results[1].diff).toBe(
      "--- a/src/a.txt\n+++ b/src/a.txt\n@@ -1,3 +1,4 @@\n one\n-two\n+TWO\n+and a half\n three\n",
    );
    // The model's result stays the short sentence; the diff is for people.
    expect(results[1].content).not.toContain("@@");
    expect(readFileSync(join(ws.dir, "src/a.txt"), "utf8")).toBe("one\nTWO\nand a half\nthree\n");
  }, 30_000);

  it("with --approval untrusted and nobody to ask, write_file and edit_file are refused and no file changes", async () => {
    writeFileSync(join(ws.dir, "kept.txt"), "old\n");
    const { run, results } = await streamRun(
      [
        {
          tool_calls: [
            { name: "write_file", input: { path: "new.txt", content: "x\n" } },
            { name: "edit_file", input: { path: "kept.txt", old_text: "old", new_text: "new" } },
          ],
        },
        { text: "done" },
      ],
      ["--approval", "untrusted"],
    );
    expect(run.code, run.stderr).toBe(0);
    expect(results.map((event: any) => event.is_error)).toEqual([true, true]);
    expect(results[0].content).toMatch(/writing new\.txt needs the user's approval, and nobody can be asked/);
    expect(results[0].diff).toBeUndefined();
    expect(existsSync(join(ws.dir, "new.txt"))).toBe(false);
    expect(readFileSync(join(ws.dir, "kept.txt"), "utf8")).toBe("old\n");
  }, 30_000);
});
