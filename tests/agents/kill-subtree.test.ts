import { describe, expect, it } from "vitest";
import { recordReliability } from "../helpers/reliability.js";
import { requestsOf, routeByPrompt } from "../helpers/agent-routes.js";
import { startFakeAnthropic, textReply, toolReply } from "../helpers/fake-anthropic-server.js";
import { countProcessesLeft } from "../helpers/left-behind.js";
import { runCli } from "../helpers/run-cli.js";
import { useTaskWorkspace } from "../helpers/task-workspace.js";
import { eventually } from "../helpers/temp-workspace.js";

const ws = useTaskWorkspace();

describe("killing an agent", () => {
  // Known gap (issue 19, open): after the merges of 2026-12-06 the killed agent's worker still sends one model
  // request after the kill (its processes do end: 0 left, and both records say killed). Skipped, not pinned,
  // until the worker's stop ends its loop before its own tasks' ends can wake it.
  it.skip("kill_background of an agent whose task ignores SIGTERM leaves 0 processes after 6 s and no model request after the kill", async ({
    onTestFinished,
    task,
  }) => {
    let killedAt = 0;
    const server = await startFakeAnthropic(
      routeByPrompt({
        "start a stubborn agent": async (_request, index) => {
          if (index === 0) return toolReply([{ name: "agent_run", input: { prompt: "be stubborn" } }]);
          if (index > 1) return textReply("it is gone");
          // Kill it once its own task runs.
          await eventually(
            // With a pid: a record says running (write-ahead) a moment before its process exists.
            () =>
              ws.records().some((r) => r.type === "local_bash" && r.status === "running" && r.pid !== null),
            60_000,
          );
          const agent = ws.records().find((r) => r.type === "local_agent");
          killedAt = Date.now();
          return toolReply([{ name: "kill_background", input: { task_id: agent.id } }]);
        },
        "be stubborn": [
          toolReply([
            {
              name: "background_run",
              input: { command: "trap '' TERM; while :; do sleep 0.2; done" },
            },
          ]),
          textReply("waiting for my loop forever"),
        ],
      }),
    );
    onTestFinished(() => server.close());
    const run = await runCli(["-p", "start a stubborn agent", "--max-wait", "60"], {
      cwd: ws.dir,
      env: ws.env(server),
      onTestFinished,
    });
    expect(run.code).toBe(0);
    expect(killedAt).toBeGreaterThan(0);
    const left = await countProcessesLeft([ws.dir], [], Math.max(0, killedAt + 6000 - Date.now()));
    expect(left).toBe(0);
    const agent = ws.records().find((r) => r.type === "local_agent");
    expect(agent.status).toBe("killed");
    const sub = ws.records().find((r) => r.type === "local_bash");
    expect(sub.status).toBe("killed");
    const after = requestsOf(server.requests, "be stubborn").filter((r) => r.receivedAt > killedAt);
    expect(after).toHaveLength(0);
    recordReliability(task, {
      area: "Orphans",
      does: "kill_background of an agent whose own task traps SIGTERM: processes under the workspace counted 6 s after the kill, model requests after it counted",
      cases: 1,
      faultsSurvived: 1,
      processesLeft: left,
      itemsLost: after.length,
    });
  }, 120_000);
});
