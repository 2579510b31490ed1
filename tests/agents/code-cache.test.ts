import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { WORKER_V8_FLAGS } from "../../src/agents/worker-command.js";
import { codeCacheFile } from "../../src/startup/code-cache.js";
import { requestsOf, routeByPrompt } from "../helpers/agent-routes.js";
import { userTexts } from "../helpers/conversation-checks.js";
import { startFakeAnthropic, textReply, toolReply } from "../helpers/fake-anthropic-server.js";
import { LANES_BIN, runCli } from "../helpers/run-cli.js";
import { useTaskWorkspace } from "../helpers/task-workspace.js";
import { eventually, pidAlive, tempWorkspace } from "../helpers/temp-workspace.js";

const ws = useTaskWorkspace();

describe("the agent worker's code cache", () => {
  it("a worker with a corrupt cache file still starts and answers and writes a good one, which the next worker uses unchanged", async ({
    onTestFinished,
  }) => {
    const cache = tempWorkspace("lanes-agent-cache-");
    onTestFinished(() => cache.cleanup());
    // Where the built worker (started by lanes -p with no node flags of its own) keeps its cache.
    const file = codeCacheFile(
      join(cache.dir, "lanes"),
      join(dirname(LANES_BIN), "agent-worker.cjs"),
      WORKER_V8_FLAGS,
    );
    mkdirSync(dirname(file), { recursive: true });
    const garbage = Buffer.from("not a V8 code cache at all".repeat(100));
    writeFileSync(file, garbage);
    const server = await startFakeAnthropic(
      routeByPrompt({
        "ask one": [toolReply([{ name: "agent_run", input: { prompt: "helper one" } }]), textReply("asked")],
        "helper one": [textReply("answer from helper one")],
        "ask two": [toolReply([{ name: "agent_run", input: { prompt: "helper two" } }]), textReply("asked")],
        "helper two": [textReply("answer from helper two")],
      }),
    );
    onTestFinished(() => server.close());
    const env = { ...ws.env(server), XDG_CACHE_HOME: cache.dir };
    const seen = new Set<string>();
    /** One parent run whose agent answers; resolves once that agent's worker process is gone. */
    const ask = async (which: string): Promise<string> => {
      const run = await runCli(["-p", `ask ${which}`, "--output-format", "json"], {
        cwd: ws.dir,
        env,
        onTestFinished,
      });
      expect(run.code).toBe(0);
      const agent = ws.records().find((r) => r.type === "local_agent" && !seen.has(r.id));
      seen.add(agent.id);
      expect(await eventually(() => !pidAlive(agent.pid), 10_000)).toBe(true);
      return userTexts(requestsOf(server.requests, `ask ${which}`).at(-1)!.body.messages).join("\n");
    };

    expect(await ask("one")).toContain("answer from helper one");
    const written = readFileSync(file);
    expect(written.equals(garbage)).toBe(false);
    const mtime = statSync(file).mtimeMs;

    expect(await ask("two")).toContain("answer from helper two");
    // Used, not rejected and rewritten; and no other cache file beside it.
    expect(statSync(file).mtimeMs).toBe(mtime);
    expect(readFileSync(file).equals(written)).toBe(true);
    expect(readdirSync(dirname(file))).toEqual([file.split("/").at(-1)]);
  }, 60_000);
});
