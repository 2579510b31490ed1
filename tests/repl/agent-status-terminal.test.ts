import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { routeByPrompt } from "../helpers/agent-routes.js";
import { startFakeAnthropic, textReply, toolReply } from "../helpers/fake-anthropic-server.js";
import { useProcessMarker } from "../helpers/process-marker.js";
import { startScriptedRepl } from "../helpers/scripted-repl.js";

const cleanups: Array<() => void> = [];
const marker = useProcessMarker();
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

const PROMPT = "probe the build";

describe("a background agent in the REPL (a real terminal)", { timeout: 90_000 }, () => {
  it("the status line and /tasks show the agent's current tool and its usage while it runs", async () => {
    // The agent (on the fake API) runs a foreground `sh hold`, which lasts until the test has seen it shown
    // (not a guessed `sleep 8`), then answers; the parent is scripted. A short command: the status line is cut.
    const server = await startFakeAnthropic(
      routeByPrompt({
        [PROMPT]: [toolReply([{ name: "bash", input: { command: "sh hold" } }]), textReply("build probed")],
      }),
    );
    cleanups.push(() => void server.close());
    const { term, work } = await startScriptedRepl({
      prefix: "lanes-agent-status-",
      prepare: (folder) => writeFileSync(join(folder, "hold"), "until [ -e go ]; do sleep 0.1; done\n"),
      marker: marker.value,
      cleanups,
      turns: [
        {
          tool_calls: [
            {
              name: "agent_run",
              input: { prompt: PROMPT, description: "build probe", model: "claude-fake" },
            },
          ],
        },
        { text: "the agent is on it" },
      ],
      env: { ANTHROPIC_API_KEY: "test-key", ANTHROPIC_BASE_URL: server.url },
    });
    term.type("start it");
    term.keys("Enter");
    // `1 running · ID 3s build probe › bash: sh hold · 1 turn · 1.2k units`
    const status = await term.waitFor(
      /1 running · (\w+) \d+s build probe › bash: sh hold · 1 turn · [\d.]+k? units/,
      45_000,
    );
    const id = status[1]!;
    term.type("/tasks");
    term.keys("Enter");
    await term.waitFor(
      new RegExp(
        `${id} .*agent "build probe" \\(1 turn\\(s\\), [\\d.]+k? token-units, now: bash: sh hold\\)`,
      ),
    );
    writeFileSync(join(work, "go"), "");
    // When it ends, its result arrives once and the status line goes away.
    await term.waitFor(/build probed/, 45_000);
    expect(term.screen()).not.toMatch(/1 running · /);
  });
});
