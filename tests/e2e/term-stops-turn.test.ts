import { describe, expect, it } from "vitest";
import { startFakeAnthropic, toolReply } from "../helpers/fake-anthropic-server.js";
import { runCli } from "../helpers/run-cli.js";
import { useTaskWorkspace } from "../helpers/task-workspace.js";
import { eventually } from "../helpers/temp-workspace.js";

const ws = useTaskWorkspace();

describe("SIGTERM stops the turn", () => {
  it("-p makes no model request after SIGTERM, though its shutdown lasts the whole kill grace", async ({
    onTestFinished,
  }) => {
    // A background task that ignores TERM holds the shutdown for its 2 s grace; meanwhile the model keeps
    // asking for short foreground commands, each of which would end in a new request.
    const server = await startFakeAnthropic((_request, index) =>
      index === 0
        ? toolReply([{ name: "background_run", input: { command: "trap '' TERM; sleep 30" } }])
        : toolReply([{ name: "bash", input: { command: "sleep 0.1" } }]),
    );
    onTestFinished(() => void server.close());
    let pid = 0;
    const run = runCli(["-p", "keep going"], {
      cwd: ws.dir,
      env: ws.env(server),
      onSpawn: (spawned) => (pid = spawned),
      onTestFinished,
    });
    expect(await eventually(() => server.requests.length >= 4 && ws.running() === 1, 30_000)).toBe(true);
    process.kill(pid, "SIGTERM");
    // A request already on its way when the signal landed may still arrive; none may be sent after it.
    const atSignal = server.requests.length;
    const done = await run;
    expect(done.signal ?? done.code).not.toBe(0);
    expect(server.requests.length).toBeLessThanOrEqual(atSignal + 1);
    expect(ws.records()[0]).toMatchObject({ status: "killed", end_reason: "shutdown" });
  });
});
