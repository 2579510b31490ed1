/* eslint-disable @typescript-eslint/no-explicit-any -- request bodies and records are loose JSON in tests */
import { describe, expect, it } from "vitest";
import { countProcessesLeft } from "../helpers/left-behind.js";
import { recordReliability } from "../helpers/reliability.js";
import { requestsOf, routeByPrompt } from "../helpers/agent-routes.js";
import { userTexts } from "../helpers/conversation-checks.js";
import { startFakeAnthropic, textReply, toolReply } from "../helpers/fake-anthropic-server.js";
import { runCli } from "../helpers/run-cli.js";
import { useTaskWorkspace } from "../helpers/task-workspace.js";

const ws = useTaskWorkspace();

describe("agent budgets", () => {
  it("an agent that hits max_turns mid-run ends as budget_exceeded with its partial answer, after exactly max_turns requests", async ({
    onTestFinished,
    task,
  }) => {
    const server = await startFakeAnthropic(
      routeByPrompt({
        "spend a little": [
          toolReply([{ name: "agent_run", input: { prompt: "loop forever", max_turns: 3 } }]),
          textReply("waiting"),
          textReply("noted"),
        ],
        // Never done on its own: each answer asks for one more tool call.
        "loop forever": (_request, index) =>
          toolReply([{ name: "check_background", input: {} }], `partial finding ${index}`),
      }),
    );
    onTestFinished(() => server.close());
    const run = await runCli(["-p", "spend a little", "--output-format", "json"], {
      cwd: ws.dir,
      env: ws.env(server),
      onTestFinished,
    });
    expect(run.code).toBe(0);
    expect(requestsOf(server.requests, "loop forever")).toHaveLength(3);
    const last = requestsOf(server.requests, "spend a little").at(-1)!;
    const told = userTexts(last.body.messages).join("\n");
    const agent = ws.records().find((r) => r.type === "local_agent");
    expect(told).toContain(`[bg:${agent.id}] agent budget_exceeded`);
    expect(told).toContain("partial finding 2");
    expect(told).toContain("max_turns 3 reached");
    const summary = JSON.parse(run.stdout);
    const listed = summary.background_tasks.find((t: any) => t.id === agent.id);
    expect(listed).toMatchObject({ type: "agent", agent_status: "budget_exceeded", turns: 3 });
    // The parent's usage sums the tree: its own 3 calls and the agent's 3.
    expect(summary.usage.output_tokens).toBe(6 * 5);
    recordReliability(task, {
      area: "Agents",
      does: "an agent that would loop forever under max_turns 3: requests counted (3), ends budget_exceeded with its partial answer",
      cases: 1,
      faultsSurvived: 1,
      processesLeft: await countProcessesLeft([ws.dir], [], 3_000),
      itemsLost: told.includes("partial finding 2") ? 0 : 1,
    });
  }, 120_000);
});
