import { afterEach, describe, expect, it } from "vitest";
import { requestsOf, routeByPrompt } from "../helpers/agent-routes.js";
import { startFakeAnthropic, textReply, toolReply } from "../helpers/fake-anthropic-server.js";
import { useProcessMarker } from "../helpers/process-marker.js";
import { startScriptedRepl } from "../helpers/scripted-repl.js";
import { eventually } from "../helpers/temp-workspace.js";

/** The hint once a question is armed and takes keys (as in approval-terminal.test.ts). */
const ARMED = /^Answer: \[y\]/m;

const cleanups: Array<() => void> = [];
const marker = useProcessMarker();
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

const PROMPT = "fetch the index";

describe("a background agent's approval in the REPL (a real terminal)", { timeout: 90_000 }, () => {
  it("is asked naming the agent, and the person's yes runs the command outside the sandbox for the agent", async () => {
    const server = await startFakeAnthropic(
      routeByPrompt({
        [PROMPT]: [
          toolReply([
            {
              name: "bash",
              input: { command: "echo relayed-$((40 + 2))", unsandboxed_reason: "it needs the network" },
            },
          ]),
          textReply("fetched it"),
        ],
      }),
    );
    cleanups.push(() => void server.close());
    const { term } = await startScriptedRepl({
      prefix: "lanes-agent-approval-",
      marker: marker.value,
      cleanups,
      turns: [
        {
          tool_calls: [
            {
              name: "agent_run",
              input: { prompt: PROMPT, description: "index fetch", model: "claude-fake" },
            },
          ],
        },
        { text: "the agent is on it" },
      ],
      env: { ANTHROPIC_API_KEY: "test-key", ANTHROPIC_BASE_URL: server.url },
    });
    term.type("start it");
    term.keys("Enter");
    await term.waitFor(/agent \w+ \(index fetch\) wants to run this outside the sandbox:/, 45_000);
    expect(term.screen()).toContain("echo relayed-$((40 + 2))");
    // The question arms after a moment (typing ahead answers nothing): answer once its keys show.
    await term.waitFor(ARMED);
    term.type("y");
    expect(await eventually(() => requestsOf(server.requests, PROMPT).length >= 2, 30_000, 200)).toBe(true);
    const seen = JSON.stringify(requestsOf(server.requests, PROMPT)[1]!.body.messages);
    expect(seen).toContain("relayed-42");
  });

  it("a nested agent's question is relayed by its parent agent's worker, naming the chain, and the yes goes back down", async () => {
    const inner = "fetch the nested index";
    const server = await startFakeAnthropic(
      routeByPrompt({
        "delegate deeper": [
          toolReply([{ name: "agent_run", input: { prompt: inner, description: "inner fetch" } }]),
          textReply("waiting for my agent"),
          textReply("my agent is done"),
        ],
        [inner]: [
          toolReply([
            {
              name: "bash",
              input: { command: "echo nested-$((40 + 2))", unsandboxed_reason: "it needs the network" },
            },
          ]),
          textReply("fetched it"),
        ],
      }),
    );
    cleanups.push(() => void server.close());
    const { term } = await startScriptedRepl({
      prefix: "lanes-agent-approval-nested-",
      marker: marker.value,
      cleanups,
      turns: [
        {
          tool_calls: [
            {
              name: "agent_run",
              input: { prompt: "delegate deeper", description: "outer", model: "claude-fake" },
            },
          ],
        },
        { text: "the agents are on it" },
      ],
      env: { ANTHROPIC_API_KEY: "test-key", ANTHROPIC_BASE_URL: server.url },
    });
    term.type("start them");
    term.keys("Enter");
    await term.waitFor(
      /agent \w+ \(outer\) › agent \w+ \(inner fetch\) wants to run this outside the sandbox:/,
      60_000,
    );
    expect(term.screen()).toContain("echo nested-$((40 + 2))");
    await term.waitFor(ARMED);
    term.type("y");
    expect(await eventually(() => requestsOf(server.requests, inner).length >= 2, 30_000, 200)).toBe(true);
    expect(JSON.stringify(requestsOf(server.requests, inner)[1]!.body.messages)).toContain("nested-42");
    // Both agents end before the cleanup removes their workspace.
    expect(
      await eventually(() => requestsOf(server.requests, "delegate deeper").length >= 3, 30_000, 200),
    ).toBe(true);
  });
});
