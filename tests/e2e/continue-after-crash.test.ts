/* eslint-disable @typescript-eslint/no-explicit-any -- records and request bodies are loose JSON in tests */
import { describe, expect, it } from "vitest";
import { userTexts } from "../helpers/conversation-checks.js";
import {
  startFakeAnthropic,
  textReply,
  toolReply,
  type FakeReply,
} from "../helpers/fake-anthropic-server.js";
import { recordReliability } from "../helpers/reliability.js";
import { runCli } from "../helpers/run-cli.js";
import { useTaskWorkspace } from "../helpers/task-workspace.js";
import { eventually } from "../helpers/temp-workspace.js";

const ws = useTaskWorkspace();
const { records, fake, env } = ws;

/** Lines stating a task's end that reached the model in a request. */
const resultLines = (body: any, id: string): string[] =>
  userTexts(body.messages)
    .flatMap((text) => text.split("\n"))
    .filter((line) => new RegExp(`^\\[bg:${id}\\] (completed|failed)`).test(line));

describe("--continue after a crash between the request and `notified`", () => {
  it("lanes -p SIGKILLed inside the slow response to the request carrying a result: --continue delivers it once", async ({
    task,
    onTestFinished,
  }) => {
    let release: (reply: FakeReply) => void = () => {};
    onTestFinished(() => release(textReply("late")));
    let carrying = -1;
    const server = await startFakeAnthropic((request, index) => {
      if (index === 0) return toolReply([{ name: "background_run", input: { command: "echo quick-done" } }]);
      if (JSON.stringify(request.body).includes("quick-done | ")) {
        // The request that carries the result: answered slowly, lanes dies meanwhile.
        carrying = index;
        return new Promise<FakeReply>((resolve) => (release = resolve));
      }
      return textReply("waiting for it");
    });
    onTestFinished(() => server.close());
    let lanesPid = 0;
    const run = runCli(["-p", "run it"], {
      cwd: ws.dir,
      env: env(server),
      onSpawn: (pid) => (lanesPid = pid),
      onTestFinished,
    });
    expect(await eventually(() => carrying >= 0, 30_000)).toBe(true);
    process.kill(lanesPid, "SIGKILL");
    await run;
    const [record] = records();
    // The window: the conversation holds the result, the record does not say so (its end may not be
    // written either: the next lanes takes it from the exit file).
    expect(record.notified).toBe(false);

    const next = await fake([textReply("I have it")]);
    const resumed = await runCli(["--continue", "-p", "what happened?"], {
      cwd: ws.dir,
      env: env(next),
      onTestFinished,
    });
    expect(resumed.code, resumed.stderr).toBe(0);
    const lines = resultLines(next.requests[0]!.body, record.id);
    expect(lines).toHaveLength(1);
    expect(await eventually(() => records()[0]?.notified === true, 5000)).toBe(true);
    recordReliability(task, {
      area: "Crashes",
      does: "lanes -p SIGKILLed inside the slow response to the request that carried a result (before `notified` was written); --continue: the result reaches the model once, and is recorded notified",
      cases: 1,
      faultsSurvived: lines.length === 1 ? 1 : 0,
      processesLeft: 0,
      itemsLost: lines.length === 0 ? 1 : 0,
    });
  });
});
