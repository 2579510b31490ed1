import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { requestsOf, routeByPrompt } from "../helpers/agent-routes.js";
import { startFakeAnthropic, textReply, toolReply } from "../helpers/fake-anthropic-server.js";
import { runCli } from "../helpers/run-cli.js";
import { useTaskWorkspace } from "../helpers/task-workspace.js";
import { tempWorkspace } from "../helpers/temp-workspace.js";
import { findProgram } from "../../src/sandbox/probe.js";

const ws = useTaskWorkspace();

describe("the sandbox probe of an agent tree", () => {
  it("two agents that each run a sandboxed command: bubblewrap is probed once for the tree, not once per agent", async ({
    onTestFinished,
  }) => {
    const bin = tempWorkspace("lanes-bwrap-shim-");
    onTestFinished(() => bin.cleanup());
    const real = findProgram("bwrap", process.env);
    expect(real).toBeDefined();
    // A bwrap that notes each call, then is the real one.
    const log = join(bin.dir, "calls.log");
    const shim = join(bin.dir, "bwrap");
    writeFileSync(shim, `#!/bin/sh\nprintf '%s\\n' "$*" >> '${log}'\nexec '${real}' "$@"\n`);
    chmodSync(shim, 0o755);
    writeFileSync(log, "");
    const agent = (name: string) => [
      toolReply([{ name: "bash", input: { command: `echo ${name} ran` } }]),
      textReply(`${name} done`),
    ];
    const server = await startFakeAnthropic(
      routeByPrompt({
        "two helpers": [
          toolReply([
            { name: "agent_run", input: { prompt: "helper a" } },
            { name: "agent_run", input: { prompt: "helper b" } },
          ]),
          textReply("started"),
          textReply("both back"),
        ],
        "helper a": agent("a"),
        "helper b": agent("b"),
      }),
    );
    onTestFinished(() => server.close());
    const env = { ...ws.env(server), PATH: `${bin.dir}:${process.env.PATH}` };
    const run = await runCli(["-p", "two helpers", "--output-format", "json"], {
      cwd: ws.dir,
      env,
      onTestFinished,
    });
    expect(run.code).toBe(0);
    // Each agent's command ran in the sandbox and its output reached that agent.
    for (const name of ["a", "b"]) {
      const told = JSON.stringify(requestsOf(server.requests, `helper ${name}`).at(-1)!.body.messages);
      expect(told).toContain(`${name} ran`);
    }
    const probes = readFileSync(log, "utf8")
      .split("\n")
      .filter((line) => line.endsWith("--cap-drop ALL -- /bin/true"));
    expect(probes).toHaveLength(1);
  }, 60_000);

  it("agent_run does not wait for the probe: the worker starts while bubblewrap is still probed, then takes the parent's answer", async ({
    onTestFinished,
  }) => {
    const bin = tempWorkspace("lanes-bwrap-slow-");
    onTestFinished(() => bin.cleanup());
    const real = findProgram("bwrap", process.env);
    expect(real).toBeDefined();
    // A bwrap whose probe takes 1.5 s and notes when it ended (ms); every other call is the real one at once.
    const log = join(bin.dir, "probes.log");
    const shim = join(bin.dir, "bwrap");
    writeFileSync(
      shim,
      `#!/bin/sh\ncase "$*" in *'--cap-drop ALL -- /bin/true') sleep 1.5; date +%s%3N >> '${log}';; esac\nexec '${real}' "$@"\n`,
    );
    chmodSync(shim, 0o755);
    writeFileSync(log, "");
    const server = await startFakeAnthropic(
      routeByPrompt({
        "one helper": [
          toolReply([{ name: "agent_run", input: { prompt: "helper" } }]),
          textReply("started"),
          textReply("helper back"),
        ],
        helper: [toolReply([{ name: "bash", input: { command: "echo helper ran" } }]), textReply("done")],
      }),
    );
    onTestFinished(() => server.close());
    const env = { ...ws.env(server), PATH: `${bin.dir}:${process.env.PATH}` };
    const run = await runCli(["-p", "one helper", "--output-format", "json"], {
      cwd: ws.dir,
      env,
      onTestFinished,
    });
    expect(run.code).toBe(0);
    const told = JSON.stringify(requestsOf(server.requests, "helper").at(-1)!.body.messages);
    expect(told).toContain("helper ran");
    const probes = readFileSync(log, "utf8").split("\n").filter(Boolean).map(Number);
    // One probe for the tree: the worker waited for its parent's answer instead of probing again.
    expect(probes).toHaveLength(1);
    const agent = ws.records().find((r) => r.type === "local_agent");
    expect(Date.parse(agent.started_at)).toBeLessThan(probes[0]!);
  }, 60_000);
});
