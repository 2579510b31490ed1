/* eslint-disable @typescript-eslint/no-explicit-any -- request bodies and records are loose JSON in tests */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { countProcessesLeft } from "../helpers/left-behind.js";
import { recordReliability } from "../helpers/reliability.js";
import { requestsOf, routeByPrompt } from "../helpers/agent-routes.js";
import { userTexts } from "../helpers/conversation-checks.js";
import { startFakeAnthropic, textReply, toolReply } from "../helpers/fake-anthropic-server.js";
import { runCli } from "../helpers/run-cli.js";
import { useTaskWorkspace } from "../helpers/task-workspace.js";

const ws = useTaskWorkspace();
const readStatus = (pid: number, file: string): string => {
  try {
    return readFileSync(`/proc/${pid}/${file}`, "utf8");
  } catch {
    return "";
  }
};

const agents = ["alpha", "beta", "gamma"];
const promptOf = (name: string): string => `research ${name}`;

/** How often a line of the conversation's last request mentions `needle`. */
const mentions = (request: any, needle: string): number =>
  userTexts(request.body.messages).join("\n").split(needle).length - 1;

describe("agent_run fan-out", () => {
  it("three agents each wait on their own sleep 2: each result reaches the parent once, each sub-task's only its agent", async ({
    onTestFinished,
    task,
  }) => {
    const routes: Record<string, any> = {
      "fan out": [
        toolReply(
          agents.map((name) => ({
            name: "agent_run",
            input: { prompt: promptOf(name), description: `agent ${name}` },
          })),
        ),
        textReply("three agents are working"),
        textReply("all three answered"),
      ],
    };
    const rssKb: number[] = [];
    for (const name of agents)
      routes[promptOf(name)] = (_request: unknown, index: number) => {
        if (index === 0)
          return toolReply([
            { name: "background_run", input: { command: `sleep 2; printf '%s-%s\\n' ${name} slept` } },
          ]);
        if (index === 1) {
          // The memory of agent processes about to wait on their task (bench: RSS per waiting agent).
          for (const r of ws.records().filter((r) => r.type === "local_agent" && r.pid))
            for (const child of readStatus(r.pid, `task/${r.pid}/children`).split(" ").filter(Boolean))
              rssKb.push(Number(/VmRSS:\s+(\d+)/.exec(readStatus(Number(child), "status"))?.[1] ?? 0));
          return textReply("waiting for my sleep");
        }
        return textReply(`${name} is finished`);
      };
    const server = await startFakeAnthropic(routeByPrompt(routes));
    onTestFinished(() => server.close());
    const run = await runCli(["-p", "fan out", "--output-format", "json"], {
      cwd: ws.dir,
      env: ws.env(server),
      onTestFinished,
    });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout);
    const parent = requestsOf(server.requests, "fan out");
    const last = parent.at(-1)!;
    // Woken only by its agents' results (one batch or more), never by their sub-tasks': at most 1 + 1 + 3 calls.
    expect(parent.length).toBeLessThanOrEqual(5);
    const ids = ws
      .records()
      .filter((r) => r.type === "local_agent")
      .map((r) => r.id);
    expect(ids).toHaveLength(3);
    for (const id of ids) expect(mentions(last, `[bg:${id}] agent completed`)).toBe(1);
    for (const name of agents) {
      expect(mentions(last, `${name} is finished`)).toBe(1);
      // The sub-task's output is its agent's: the parent and the other agents never see it.
      expect(mentions(last, `${name}-slept`)).toBe(0);
      const own = requestsOf(server.requests, promptOf(name));
      expect(mentions(own.at(-1), `${name}-slept`)).toBe(1);
      for (const other of agents.filter((o) => o !== name))
        for (const request of requestsOf(server.requests, promptOf(other)))
          expect(mentions(request, `${name}-slept`)).toBe(0);
    }
    // The three sleeps ran at the same time: each started before any of them ended.
    const sleeps = ws.records().filter((r) => r.type === "local_bash");
    expect(sleeps).toHaveLength(3);
    const firstEnd = Math.min(...sleeps.map((r) => Date.parse(r.ended_at)));
    for (const sleep of sleeps) expect(Date.parse(sleep.started_at)).toBeLessThan(firstEnd);
    console.log(`RSS of waiting agent worker processes (KB): ${rssKb.join(", ")}`);
    expect(summary.background_tasks.filter((t: any) => t.type === "agent")).toHaveLength(3);
    recordReliability(task, {
      area: "Agents",
      does: "lanes -p starts 3 agents, each waits on its own background sleep 2; each agent's result counted in the parent's last request, each sub-task's result in its own agent's only",
      cases: agents.length,
      faultsSurvived: 0,
      processesLeft: await countProcessesLeft([ws.dir], [], 3_000),
      itemsLost: ids.filter((id) => mentions(last, `[bg:${id}] agent completed`) !== 1).length,
    });
  }, 120_000);
});
