import { describe, expect, it } from "vitest";
import { countProcessesLeft } from "../helpers/left-behind.js";
import { recordReliability } from "../helpers/reliability.js";
import { requestsOf, routeByPrompt, type Route } from "../helpers/agent-routes.js";
import { userTexts } from "../helpers/conversation-checks.js";
import { startFakeAnthropic, textReply, toolReply } from "../helpers/fake-anthropic-server.js";
import { runCli } from "../helpers/run-cli.js";
import { useTaskWorkspace } from "../helpers/task-workspace.js";

const ws = useTaskWorkspace();
const COUNT = 20;

describe("many agents at once", () => {
  it("20 agents answering within the same few ms: 20 results reach the parent, none twice, none lost", async ({
    onTestFinished,
    task,
  }) => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    let asked = 0;
    const answeredAt: number[] = [];
    const routes: Record<string, Route> = {
      "start twenty": [
        toolReply(
          Array.from({ length: COUNT }, (_, i) => ({ name: "agent_run", input: { prompt: `task ${i}` } })),
        ),
        textReply("waiting for twenty"),
      ],
    };
    for (let i = 0; i < COUNT; i++)
      routes[`task ${i}`] = async () => {
        // Held until all twenty asked, then all answer at once: their ends land together.
        if (++asked === COUNT) release();
        await gate;
        answeredAt.push(Date.now());
        return textReply(`answer number ${i}.`);
      };
    const server = await startFakeAnthropic(routeByPrompt(routes));
    onTestFinished(() => server.close());
    const run = await runCli(["-p", "start twenty", "--lane-limit", `agents=${COUNT}`], {
      cwd: ws.dir,
      env: ws.env(server),
      onTestFinished,
    });
    expect(run.code).toBe(0);
    expect(Math.max(...answeredAt) - Math.min(...answeredAt)).toBeLessThan(100);
    const agents = ws.records().filter((r) => r.type === "local_agent");
    expect(agents).toHaveLength(COUNT);
    const told = requestsOf(server.requests, "start twenty")
      .slice(1)
      .flatMap((request, index, all) =>
        // Each request repeats the conversation: count what the last one holds.
        index === all.length - 1 ? userTexts(request.body.messages) : [],
      )
      .join("\n");
    for (const agent of agents) expect(told.split(`[bg:${agent.id}] agent completed`)).toHaveLength(2);
    for (let i = 0; i < COUNT; i++) expect(told.split(`answer number ${i}.`)).toHaveLength(2);
    expect(agents.every((r) => r.notified)).toBe(true);
    recordReliability(task, {
      area: "Agents",
      does: `${COUNT} agents whose answers the fake API sends within 100 ms of each other; each result counted in the parent's last request`,
      cases: COUNT,
      faultsSurvived: 0,
      processesLeft: await countProcessesLeft([ws.dir], [], 3_000),
      itemsLost: agents.filter((agent) => told.split(`[bg:${agent.id}] agent completed`).length !== 2).length,
    });
  }, 240_000);
});
