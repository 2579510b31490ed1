/* eslint-disable @typescript-eslint/no-explicit-any -- records and request bodies are loose JSON in tests */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { userTexts } from "../helpers/conversation-checks.js";
import { textReply, toolReply } from "../helpers/fake-anthropic-server.js";
import { recordReliability } from "../helpers/reliability.js";
import { useTaskWorkspace } from "../helpers/task-workspace.js";
import { runCli } from "../helpers/run-cli.js";
import { eventually, pidAlive } from "../helpers/temp-workspace.js";

const ws = useTaskWorkspace();
const { records, running, fake, env } = ws;

/** Lines about one task that reached the model in a request, e.g. `[bg:ID] still running...`. */
const linesAbout = (body: any, id: string): string[] =>
  userTexts(body.messages)
    .flatMap((text) => text.split("\n"))
    .filter((line) => line.startsWith(`[bg:${id}] `));

/** `lanes -p` that starts this task, ended by `signal` once the task runs. */
async function startThenEnd(command: string, signal: NodeJS.Signals, hook: (fn: () => void) => void) {
  const server = await fake([
    toolReply([{ name: "background_run", input: { command } }]),
    textReply("started"),
  ]);
  let lanesPid = 0;
  const run = runCli(["-p", "start it"], {
    cwd: ws.dir,
    env: env(server),
    onSpawn: (pid) => (lanesPid = pid),
    onTestFinished: hook,
  });
  expect(await eventually(() => running() === 1, 30_000)).toBe(true);
  process.kill(lanesPid, signal);
  await run;
  return records()[0];
}

describe("carry-over between sessions", () => {
  it("after a crash, the next lanes -p tells the model once that the task still runs, then how it ended", async ({
    task,
    onTestFinished,
  }) => {
    const record = await startThenEnd(
      "while [ ! -f go ]; do sleep 0.05; done; echo gated-done",
      "SIGKILL",
      onTestFinished,
    );
    const server = await fake([textReply("it is still running, waiting")]);
    const next = runCli(["-p", "what is going on?"], { cwd: ws.dir, env: env(server), onTestFinished });
    expect(await eventually(() => server.requests.length >= 1, 30_000)).toBe(true);
    const first = linesAbout(server.requests[0]!.body, record.id);
    expect(first).toHaveLength(1);
    expect(first[0]).toMatch(/still running, started by an earlier lanes/);
    writeFileSync(join(ws.dir, "go"), "");
    const done = await next;
    expect(done.code).toBe(0);
    const last = server.requests.at(-1)!.body;
    const all = linesAbout(last, record.id);
    // Told once that it runs, once how it ended: never twice, never silently.
    expect(all.filter((line) => line.includes("still running"))).toHaveLength(1);
    expect(all.filter((line) => /completed, exit 0.*gated-done/.test(line))).toHaveLength(1);
    expect(records()[0]).toMatchObject({ status: "completed", notified: true });
    recordReliability(task, {
      area: "Crashes",
      does: "lanes -p SIGKILLed with a task running; the next lanes -p tells the model it runs, then its end",
      cases: 1,
      faultsSurvived: all.length === 2 ? 1 : 0,
      processesLeft: pidAlive(record.pid) ? 1 : 0,
      itemsLost: all.length === 2 ? 0 : 1,
    });
  });

  it("on --continue, a task killed when the previous lanes exited is told as killed", async ({
    onTestFinished,
  }) => {
    const record = await startThenEnd("sleep 30", "SIGTERM", onTestFinished);
    expect(record).toMatchObject({ status: "killed", end_reason: "shutdown", notified: false });
    const server = await fake([textReply("I see it was killed")]);
    const resumed = await runCli(["--continue", "-p", "what happened to it?"], {
      cwd: ws.dir,
      env: env(server),
      onTestFinished,
    });
    expect(resumed.code).toBe(0);
    const lines = linesAbout(server.requests[0]!.body, record.id);
    // TERM, or KILL after the grace when, sandboxed, the TERM landed between the wrapper shell's fork and the
    // exec of `sleep` (a known gap of issue 17; unsandboxed the launcher's perl closes it: term-sweep.test.ts).
    expect(
      lines.filter((line) => /\] killed when lanes exited \(SIG(TERM|KILL)\) in /.test(line)),
    ).toHaveLength(1);
    expect(records()[0]).toMatchObject({ status: "killed", notified: true });
  });
});
