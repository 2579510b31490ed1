import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { requestsOf, routeByPrompt } from "../helpers/agent-routes.js";
import { startFakeAnthropic, textReply, toolReply } from "../helpers/fake-anthropic-server.js";
import { runCli } from "../helpers/run-cli.js";
import { useTaskWorkspace } from "../helpers/task-workspace.js";
import { eventually, tempWorkspace } from "../helpers/temp-workspace.js";

const ws = useTaskWorkspace();
const PRELOAD = join(import.meta.dirname, "../fixtures/node-modules-at-exit.mjs");

describe("an agent worker's HTTP", () => {
  it("streams its model turns over node:http without ever loading undici, node's fetch stack (4 MB of a waiting worker)", async ({
    onTestFinished,
  }) => {
    const out = tempWorkspace("lanes-worker-modules-");
    onTestFinished(() => out.cleanup());
    const server = await startFakeAnthropic(
      routeByPrompt({
        parent: [toolReply([{ name: "agent_run", input: { prompt: "helper" } }]), textReply("asked")],
        helper: [
          toolReply([{ name: "bash", input: { command: "echo from-the-helper" } }], "x".repeat(50_000)),
          textReply("the helper's answer"),
        ],
      }),
    );
    onTestFinished(() => server.close());
    const env = { ...ws.env(server), NODE_OPTIONS: `--import ${PRELOAD}`, LANES_TEST_MODULES_DIR: out.dir };
    const run = await runCli(["-p", "parent", "--output-format", "json"], {
      cwd: ws.dir,
      env,
      onTestFinished,
    });
    expect(run.code).toBe(0);
    const helper = requestsOf(server.requests, "helper");
    expect(helper).toHaveLength(2);
    expect(JSON.stringify(helper[1]!.body)).toContain("from-the-helper");
    expect(JSON.stringify(requestsOf(server.requests, "parent").at(-1)!.body)).toContain(
      "the helper's answer",
    );
    const lists = (): string[] => readdirSync(out.dir).filter((name) => name.startsWith("worker-"));
    // The worker writes its list as it exits, which may be just after the parent got its result.
    expect(await eventually(() => lists().length === 1, 10_000)).toBe(true);
    const loaded = JSON.parse(readFileSync(join(out.dir, lists()[0]!), "utf8")) as string[];
    expect(loaded).toContain("NativeModule http");
    expect(loaded.filter((name) => name.includes("undici"))).toEqual([]);
  });
});
