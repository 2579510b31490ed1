import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { recordReliability } from "../helpers/reliability.js";
import { requestsOf, routeByPrompt } from "../helpers/agent-routes.js";
import {
  startFakeAnthropic,
  textReply,
  toolReply,
  type FakeReply,
} from "../helpers/fake-anthropic-server.js";
import { countProcessesLeft } from "../helpers/left-behind.js";
import { runCli } from "../helpers/run-cli.js";
import { useTaskWorkspace } from "../helpers/task-workspace.js";
import { eventually } from "../helpers/temp-workspace.js";

const ws = useTaskWorkspace();

const STUBBORN = "trap '' TERM; while :; do sleep 0.2; done";

/** Where the agent is when its kill lands: idle on its own task, or inside its second model request. */
const cases = [
  { when: "waiting on its task", inFlight: false },
  { when: "with a model request in flight", inFlight: true },
];

function agentPhase(id: string): string | undefined {
  try {
    return JSON.parse(readFileSync(join(ws.dir, ".lanes", "agents", `${id}.json`), "utf8")).phase;
  } catch {
    return undefined;
  }
}

describe("killing an agent", () => {
  for (const { when, inFlight } of cases)
    it(`kill_background of an agent ${when} whose task ignores SIGTERM leaves 0 processes after 6 s and no model request after the kill`, async ({
      onTestFinished,
      task,
    }) => {
      let killedAt = 0;
      // The agent's in-flight request is answered only after its kill (and at the latest when the test ends).
      let release: (reply: FakeReply) => void = () => undefined;
      const held = new Promise<FakeReply>((resolve) => (release = resolve));
      onTestFinished(() => release(textReply("too late")));
      const server = await startFakeAnthropic(
        routeByPrompt({
          "start a stubborn agent": async (_request, index) => {
            if (index === 0) return toolReply([{ name: "agent_run", input: { prompt: "be stubborn" } }]);
            if (index > 1) return textReply("it is gone");
            // The kill is decided once the agent's own task runs and its second request has arrived: every
            // request the agent makes before the kill is then counted before killedAt.
            await eventually(
              () =>
                ws
                  .records()
                  .some((r) => r.type === "local_bash" && r.status === "running" && r.pid !== null) &&
                requestsOf(server.requests, "be stubborn").length >= 2,
              60_000,
            );
            const agent = ws.records().find((r) => r.type === "local_agent");
            killedAt = Date.now();
            // The held answer arrives once the worker has its TERM: a worker that did not abort would act on it.
            void eventually(() => agentPhase(agent.id) === "killed", 30_000, 20).then(() =>
              release(toolReply([{ name: "bash", input: { command: "touch answered-after-kill" } }])),
            );
            return toolReply([{ name: "kill_background", input: { task_id: agent.id } }]);
          },
          "be stubborn": (_request, index) => {
            if (index === 0) return toolReply([{ name: "background_run", input: { command: STUBBORN } }]);
            if (index === 1 && inFlight) return held;
            return textReply("waiting for my loop forever");
          },
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
        does: `kill_background of an agent ${inFlight ? "inside a model request" : "waiting on its task"} whose own task traps SIGTERM: processes under the workspace counted 6 s after the kill, model requests after it counted`,
        cases: 1,
        faultsSurvived: 1,
        processesLeft: left,
        itemsLost: after.length,
      });
    }, 120_000);
});
