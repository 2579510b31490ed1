import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { routeByPrompt } from "../helpers/agent-routes.js";
import { startFakeAnthropic, textReply, toolReply } from "../helpers/fake-anthropic-server.js";
import { descendants, processInfo } from "../helpers/process-tree.js";
import { runCli } from "../helpers/run-cli.js";
import { useTaskWorkspace } from "../helpers/task-workspace.js";

const ws = useTaskWorkspace();

/**
 * The perl fork server the agent's worker started, if one runs (its script names itself in its errors). Only
 * below the worker: the task's own launcher was forked from the parent's server and still reads like one.
 */
function forkServerOfWorker(leader: number): number | undefined {
  const worker = [processInfo(leader), ...descendants(leader)].find((p) =>
    p?.command.includes("agent-worker"),
  );
  if (worker === undefined) return undefined;
  return descendants(worker.pid).find((p) => p.command.includes("lanes: fork server"))?.pid;
}

describe("an agent worker's warm start", () => {
  it("starts its fork server while its first model reply is pending, before any command, and leaves none behind", async ({
    onTestFinished,
  }) => {
    let seen: number | undefined;
    const server = await startFakeAnthropic(
      routeByPrompt({
        "one helper": [
          toolReply([{ name: "agent_run", input: { prompt: "helper" } }]),
          textReply("started"),
          textReply("helper back"),
        ],
        helper: async (_request, index) => {
          if (index === 0) {
            // The reply waits (up to 5 s on a loaded machine) until the worker's fork server shows up.
            for (let i = 0; i < 100 && seen === undefined; i++) {
              ws.running();
              const agent = ws.records().find((r) => r.type === "local_agent" && r.pid);
              seen = agent ? forkServerOfWorker(agent.pid) : undefined;
              if (seen === undefined) await sleep(50);
            }
          }
          return textReply("nothing to run");
        },
      }),
    );
    onTestFinished(() => server.close());
    const run = await runCli(["-p", "one helper", "--output-format", "json"], {
      cwd: ws.dir,
      env: ws.env(server),
      onTestFinished,
    });
    expect(run.code).toBe(0);
    expect(seen).toBeDefined();
    // The worker's end closed its end of the server's pipe: the server is gone too.
    expect(processInfo(seen!)).toBeUndefined();
  }, 60_000);
});
