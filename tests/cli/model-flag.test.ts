import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startFakeAnthropic } from "../helpers/fake-anthropic-server.js";
import { runCli, testEnv } from "../helpers/run-cli.js";
import { tempWorkspace } from "../helpers/temp-workspace.js";

let ws: { dir: string; cleanup: () => void };
beforeEach(() => (ws = tempWorkspace()));
afterEach(() => ws.cleanup());

const lanes = (args: string[], env: Record<string, string> = {}) =>
  runCli(args, { cwd: ws.dir, input: "", env: testEnv(env) });

describe("a wrong --model value", () => {
  it("an empty id, a bare script file, a mistyped script: prefix or a spaced name is a usage error naming the form", async () => {
    const cases: [string, string][] = [
      ["", "expected a model id, or script:FILE.json"],
      ["turns.json", "a scripted model is given as script:turns.json"],
      ["scrip:turns.json", "a scripted model is given as script:turns.json"],
      ["script:", "script: needs a file: script:FILE.json"],
      ["claude sonnet", "a model id has no spaces"],
    ];
    // With a key set: the value alone is what is wrong, not the setup.
    const runs = await Promise.all(
      cases.map(([model]) => lanes(["-p", "hi", "--model", model], { ANTHROPIC_API_KEY: "sk-x" })),
    );
    runs.forEach((run, index) => {
      const [model, why] = cases[index]!;
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr.trim()).toBe(
        `lanes: option '--model <model>' argument '${model}' is invalid: ${why} (see lanes --help)`,
      );
    });
  });

  it("an OpenAI model name asked of Anthropic: the 404 names --provider openai as the fix", async () => {
    const server = await startFakeAnthropic(() => ({
      kind: "error",
      status: 404,
      type: "not_found_error",
      message: "model: gpt-4o",
    }));
    try {
      const run = await lanes(["-p", "hi", "--model", "gpt-4o"], {
        ANTHROPIC_API_KEY: "sk-x",
        ANTHROPIC_BASE_URL: server.url,
      });
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).toContain(
        `${server.url} has no model gpt-4o: gpt-4o is an OpenAI model name: add --provider openai, or --model (or MODEL_ID) picks another.`,
      );
    } finally {
      await server.close();
    }
  });
});
