import { describe, expect, it } from "vitest";
import { countProcessesLeft } from "../helpers/left-behind.js";
import { recordReliability } from "../helpers/reliability.js";
import { requestsOf, routeByPrompt } from "../helpers/agent-routes.js";
import { userTexts } from "../helpers/conversation-checks.js";
import { startFakeAnthropic, textReply, toolReply } from "../helpers/fake-anthropic-server.js";
import { runCli } from "../helpers/run-cli.js";
import { useTaskWorkspace } from "../helpers/task-workspace.js";
import { eventually } from "../helpers/temp-workspace.js";

const ws = useTaskWorkspace();

describe("a parent that crashes", () => {
  it("SIGKILL of the parent while two agents run, then --continue: each agent's final result reaches the model once", async ({
    onTestFinished,
    task,
  }) => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    let asked = 0;
    const agentRoute = (name: string) => async () => {
      asked++;
      await gate;
      return textReply(`${name} survived the crash.`);
    };
    const server = await startFakeAnthropic(
      routeByPrompt({
        "start two": [
          toolReply([
            { name: "agent_run", input: { prompt: "first job" } },
            { name: "agent_run", input: { prompt: "second job" } },
          ]),
          textReply("waiting"),
        ],
        "first job": agentRoute("first"),
        "second job": agentRoute("second"),
        "what happened?": [textReply("looking"), textReply("both told")],
      }),
    );
    onTestFinished(() => server.close());
    let parentPid = 0;
    const crashed = runCli(["-p", "start two"], {
      cwd: ws.dir,
      env: ws.env(server),
      onSpawn: (pid) => (parentPid = pid),
      onTestFinished,
    });
    expect(await eventually(() => asked === 2, 90_000)).toBe(true);
    process.kill(parentPid, "SIGKILL");
    await crashed;
    release();
    const agents = ws.records().filter((r) => r.type === "local_agent");
    expect(agents).toHaveLength(2);
    const next = await runCli(["--continue", "-p", "what happened?"], {
      cwd: ws.dir,
      env: ws.env(server),
      onTestFinished,
    });
    expect(next.code).toBe(0);
    const last = requestsOf(server.requests, "start two").at(-1)!;
    const told = userTexts(last.body.messages).join("\n");
    for (const agent of agents) expect(told.split(`[bg:${agent.id}] agent completed`)).toHaveLength(2);
    expect(told.split("first survived the crash.")).toHaveLength(2);
    expect(told.split("second survived the crash.")).toHaveLength(2);
    expect(ws.records().filter((r) => r.type === "local_agent" && r.notified)).toHaveLength(2);
    recordReliability(task, {
      area: "Crashes",
      does: "lanes -p SIGKILLed while 2 agents run, then lanes --continue -p: each agent's final result counted in the model's last request",
      cases: agents.length,
      faultsSurvived: 1,
      processesLeft: await countProcessesLeft([ws.dir], [], 3_000),
      itemsLost: agents.filter((agent) => told.split(`[bg:${agent.id}] agent completed`).length !== 2).length,
    });
  }, 240_000);
});
