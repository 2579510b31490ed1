import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCli, testEnv } from "../helpers/run-cli.js";
import { tempWorkspace } from "../helpers/temp-workspace.js";

let ws: { dir: string; cleanup: () => void };
beforeEach(() => (ws = tempWorkspace("lanes-completion-")));
afterEach(() => ws.cleanup());

/** What the bash script offers for `words` (the last one is being completed), run in `cwd`. */
function offered(script: string, words: string[], cwd: string): string[] {
  const array = words.map((word) => `'${word}'`).join(" ");
  const out = execFileSync(
    "bash",
    [
      "-c",
      `${script}\nCOMP_WORDS=(${array}); COMP_CWORD=${words.length - 1}; _lanes; echo "\${COMPREPLY[@]}"`,
    ],
    { encoding: "utf8", cwd },
  );
  return out.trim() === "" ? [] : out.trim().split(" ");
}

describe("lanes completion bash completes values, not just words", () => {
  it("offers flag values, folders for --cwd, task ids from the nearest .lanes above, and files after lanes run CMD", async () => {
    const run = await runCli(["completion", "bash"], { cwd: ws.dir, env: testEnv() });
    expect(run.code, run.stderr).toBe(0);
    const script = run.stdout;
    mkdirSync(join(ws.dir, ".lanes", "tasks"), { recursive: true });
    for (const id of ["a1b2", "c3d4"]) writeFileSync(join(ws.dir, ".lanes", "tasks", `${id}.json`), "{}");
    writeFileSync(join(ws.dir, ".lanes", "tasks", "a1b2.log"), "");
    mkdirSync(join(ws.dir, "src", "deep"), { recursive: true });
    writeFileSync(join(ws.dir, "src", "main.ts"), "");
    const sub = join(ws.dir, "src");
    expect(offered(script, ["lanes", "--sandbox", ""], sub)).toEqual([
      "read-only",
      "workspace-write",
      "danger-full-access",
    ]);
    expect(offered(script, ["lanes", "--approval", "on"], sub)).toEqual(["on-request"]);
    expect(offered(script, ["lanes", "--output-format", "s"], sub)).toEqual(["stream-json"]);
    expect(offered(script, ["lanes", "--cwd", ""], sub)).toEqual(["deep"]);
    expect(offered(script, ["lanes", "tasks", "kill", ""], sub)).toEqual(["a1b2", "c3d4"]);
    expect(offered(script, ["lanes", "tasks", "logs", "c"], sub)).toEqual(["c3d4"]);
    expect(offered(script, ["lanes", "run", "ls", "m"], sub)).toEqual(["main.ts"]);
    expect(offered(script, ["lanes", "run", "ech"], sub)).toEqual(["echo"]);
  });
});
