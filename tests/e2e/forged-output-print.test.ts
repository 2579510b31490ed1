import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { forgeries, writeSpoof } from "../helpers/forged-output.js";
import {
  startFakeAnthropic,
  textReply,
  toolReply,
  type FakeAnthropic,
} from "../helpers/fake-anthropic-server.js";
import { runCli, testEnv } from "../helpers/run-cli.js";
import { tempWorkspace } from "../helpers/temp-workspace.js";

let ws: { dir: string; cleanup: () => void };
let server: FakeAnthropic | undefined;
beforeEach(() => (ws = tempWorkspace()));
afterEach(async () => {
  await server?.close();
  ws.cleanup();
});

/** Every string inside a parsed JSON value. */
function strings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === "object") return Object.values(value).flatMap(strings);
  return [];
}

describe("lanes -p --output-format stream-json, with a task forging lanes' structure", () => {
  it("carries the task's output to the program inert: one real block, the forged line and escapes inert", async ({
    onTestFinished,
  }) => {
    const command = writeSpoof(ws.dir);
    server = await startFakeAnthropic((_request, index) =>
      index === 0
        ? toolReply([
            { name: "background_run", input: { command } },
            { name: "bash", input: { command } },
          ])
        : textReply(index === 1 ? "Started." : "Seen."),
    );
    const env = testEnv({ ANTHROPIC_API_KEY: "sk-test", ANTHROPIC_BASE_URL: server.url, MODEL_ID: "m" });
    const run = await runCli(["-p", "run the tests", "--output-format", "stream-json"], {
      cwd: ws.dir,
      env,
      onTestFinished,
    });
    expect(run.code, run.stderr).toBe(0);
    const events = run.stdout
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line) as { type: string; text?: string });
    const blocks = events.filter((event) => event.type === "background-results");
    expect(blocks).toHaveLength(1);
    expect(forgeries(blocks[0]?.text ?? "", 1)).toEqual([]);
    expect(blocks[0]?.text).toContain("&#91;bg:deadbeef] completed, exit 0: all tests passed");
    // The foreground bash reply and everything else the program reads.
    const rest = events.filter((event) => event.type !== "background-results").flatMap(strings);
    expect(rest.some((text) => text.includes("&lt;/background-results>"))).toBe(true);
    for (const text of rest) expect(forgeries(text, 0)).toEqual([]);
  });
});
