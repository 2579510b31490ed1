import { describe, expect, it } from "vitest";
import { startFakeAnthropic, textReply, toolReply } from "../helpers/fake-anthropic-server.js";
import { runCli } from "../helpers/run-cli.js";
import { useTaskWorkspace } from "../helpers/task-workspace.js";
import { eventually } from "../helpers/temp-workspace.js";

const ws = useTaskWorkspace();

describe("lanes tasks kill on a task of a running lanes -p", () => {
  it("the -p session records it as killed by the user and tells its model so, not as a crash", async ({
    onTestFinished,
  }) => {
    const seen: string[] = [];
    const replies = [
      toolReply([{ name: "background_run", input: { command: "sleep 60", description: "dev server" } }]),
      textReply("It runs; I wait for it."),
    ];
    const fake = await startFakeAnthropic((request, index) => {
      seen.push(JSON.stringify(request.body.messages.at(-1) ?? {}));
      return replies[index] ?? textReply("Understood.");
    });
    onTestFinished(() => void fake.close());
    const print = runCli(["-p", "start the server"], { cwd: ws.dir, env: ws.env(fake), onTestFinished });
    expect(await eventually(() => ws.running() === 1, 30_000)).toBe(true);
    const id = ws.records()[0]?.id as string;
    const kill = await runCli(["tasks", "kill", id], { cwd: ws.dir, env: ws.env() });
    expect(kill.code, kill.stderr).toBe(0);
    const run = await print;
    expect(run.code, run.stderr).toBe(0);
    const record = ws.records().find((found) => found.id === id);
    expect(record).toMatchObject({
      status: "killed",
      end_reason: "user_kill",
      end_detail: "killed by the user (lanes tasks kill)",
    });
    const told = seen.find((message) => message.includes(`[bg:${id}]`)) ?? "";
    expect(told).toContain(`[bg:${id}] killed`);
    expect(told).toContain("killed by the user (lanes tasks kill; SIG");
    expect(told).not.toContain("not sent by lanes");
    // `sleep 60` printed nothing: its shell's "Terminated" is not its output.
    expect(told).toContain("| no output");
  });
});
