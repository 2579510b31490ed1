/* eslint-disable @typescript-eslint/no-explicit-any -- request bodies are loose JSON in tests */
import { describe, expect, it } from "vitest";
import { requestsOf, routeByPrompt } from "../helpers/agent-routes.js";
import { startFakeAnthropic, textReply, toolReply } from "../helpers/fake-anthropic-server.js";
import { runCli } from "../helpers/run-cli.js";
import { useTaskWorkspace } from "../helpers/task-workspace.js";

const ws = useTaskWorkspace();

describe("a background agent's approval without a person", () => {
  it("in lanes -p it is refused at once, the reason goes to the agent's model, nothing runs and no question file is left", async ({
    onTestFinished,
  }) => {
    const server = await startFakeAnthropic(
      routeByPrompt({
        "delegate the fetch": [
          toolReply([{ name: "agent_run", input: { prompt: "fetch outside" } }]),
          textReply("waiting"),
          textReply("noted"),
        ],
        "fetch outside": [
          toolReply([
            {
              name: "bash",
              input: { command: "touch escaped.txt", unsandboxed_reason: "it needs the network" },
            },
          ]),
          textReply("could not fetch"),
        ],
      }),
    );
    onTestFinished(() => server.close());
    const run = await runCli(["-p", "delegate the fetch"], {
      cwd: ws.dir,
      env: ws.env(server),
      onTestFinished,
    });
    expect(run.code).toBe(0);
    const agentRequests = requestsOf(server.requests, "fetch outside");
    expect(agentRequests).toHaveLength(2);
    const told = JSON.stringify(agentRequests[1]!.body.messages);
    expect(told).toContain("nobody can be asked here");
    expect(ws.records().find((r: any) => r.type === "local_agent")?.status).toBe("completed");
    const { existsSync, readdirSync } = await import("node:fs");
    expect(existsSync(`${ws.dir}/escaped.txt`)).toBe(false);
    expect(readdirSync(`${ws.dir}/.lanes/agents`).filter((name) => name.endsWith(".ask.json"))).toEqual([]);
  }, 120_000);
});
