import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { countProcessesLeft } from "../helpers/left-behind.js";
import { recordReliability } from "../helpers/reliability.js";
import { routeByPrompt, type Route } from "../helpers/agent-routes.js";
import { lastUserText, userTexts } from "../helpers/conversation-checks.js";
import {
  startFakeAnthropic,
  textReply,
  toolReply,
  type CapturedRequest,
} from "../helpers/fake-anthropic-server.js";
import { runCli } from "../helpers/run-cli.js";
import { useTaskWorkspace } from "../helpers/task-workspace.js";

const ws = useTaskWorkspace();
const names = ["north", "south", "east"];
const isSummary = (request: CapturedRequest): boolean =>
  lastUserText(request).includes("[lanes: context compaction]");

describe("compaction while agents run", () => {
  it("a conversation compacted while 3 agents run still knows all 3, and gets each result once after", async ({
    onTestFinished,
    task,
  }) => {
    mkdirSync(join(ws.dir, ".lanes"), { recursive: true });
    writeFileSync(join(ws.dir, ".lanes", "config.json"), JSON.stringify({ context_window: 12_000 }));
    const gate = join(ws.dir, "gate");
    let parentCalls = 0;
    let summarised = false;
    const parent = (request: CapturedRequest) => {
      if (isSummary(request)) {
        summarised = true;
        return textReply("SUMMARY-OF-EARLIER-WORK");
      }
      const index = parentCalls++;
      if (index === 0)
        return toolReply(
          names.map((name) => ({
            name: "agent_run",
            input: { prompt: `explore ${name}`, description: name },
          })),
        );
      if (summarised) {
        // The agents may finish once the conversation was compacted.
        writeFileSync(gate, "");
        return textReply(JSON.stringify(request.body).includes("east arrived") ? "all in" : "waiting");
      }
      const print = `printf 'p${index}:'; head -c 6000 /dev/zero | tr '\\0' a; echo`;
      return toolReply([{ name: "bash", input: { command: print } }]);
    };
    const routes: Record<string, Route> = {};
    for (const name of names)
      routes[`explore ${name}`] = [
        toolReply([
          { name: "background_run", input: { command: `while [ ! -e ${gate} ]; do sleep 0.05; done` } },
        ]),
        textReply("waiting for the gate"),
        textReply(`${name} arrived`),
      ];
    const server = await startFakeAnthropic(routeByPrompt(routes, parent), { contextWindow: 12_000 });
    onTestFinished(() => server.close());
    const run = await runCli(["-p", "map the land"], { cwd: ws.dir, env: ws.env(server), onTestFinished });
    expect(run.code).toBe(0);
    const agents = ws.records().filter((r) => r.type === "local_agent");
    expect(agents).toHaveLength(3);
    const after = server.requests.find(
      (r) => !isSummary(r) && JSON.stringify(r.body.messages[0]).includes("SUMMARY-OF-EARLIER-WORK"),
    );
    expect(after).toBeDefined();
    const kept = JSON.stringify(after!.body.messages[0]);
    for (const agent of agents) expect(kept).toContain(`[bg:${agent.id}] still running: agent`);
    const last = server.requests
      .filter((r) => !isSummary(r) && !r.body.messages[0].content?.[0]?.text?.startsWith?.("explore"))
      .at(-1)!;
    const told = userTexts(last.body.messages).join("\n");
    for (const agent of agents) expect(told.split(`[bg:${agent.id}] agent completed`)).toHaveLength(2);
    recordReliability(task, {
      area: "Agents",
      does: "the parent's conversation compacted while 3 agents run: each agent named in the summary's in-flight list, each result counted once after",
      cases: agents.length,
      faultsSurvived: 0,
      processesLeft: await countProcessesLeft([ws.dir], [], 3_000),
      itemsLost: agents.filter((agent) => told.split(`[bg:${agent.id}] agent completed`).length !== 2).length,
    });
  }, 240_000);
});
