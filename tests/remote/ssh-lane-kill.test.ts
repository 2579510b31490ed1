import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { TaskRecord } from "../../src/lanes/task-record.js";
import { remoteWorkspace } from "../helpers/remote-workspace.js";
import { runCli } from "../helpers/run-cli.js";
import { sshdProcesses, startSshd, type TestSshd } from "../helpers/sshd.js";
import { useLaneServer } from "../helpers/remote-scenarios.js";

describe("killing a task on an SSH host", () => {
  const server = useLaneServer(startSshd);
  let sshd: TestSshd;
  beforeAll(() => (sshd = server.server()));

  it(
    "ends a TERM-ignoring child and a setsid grandchild there: 0 left",
    { timeout: 180_000 },
    async ({ onTestFinished }) => {
      const ws = server.track(remoteWorkspace(sshd));
      // The flag is outside the synced folder (the host is this machine): no sync of the second task can touch it.
      const flag = join(ws.root, "started-flag");
      const command = `trap '' TERM; setsid sh -c 'trap "" TERM; sleep 301' & echo ready; touch ${flag}; trap '' TERM; sleep 302`;
      // Ends once the first task's grandchild runs there: the wait below returns then, not after a fixed time.
      const watch = `until [ -f ${flag} ]; do sleep 0.1; done`;
      const script = ws.script([
        {
          tool_calls: [
            { name: "background_run", input: { command, lane: "box" } },
            { name: "background_run", input: { command: watch, lane: "box" } },
          ],
        },
        { tool_calls: [{ name: "wait_background", input: { mode: "any", timeout_ms: 60_000 } }] },
        { text: "done" },
      ]);
      // -p stops waiting at once and ends its unfinished task on the way out: the same kill as kill_background.
      const args = [
        "--output-format",
        "stream-json",
        "-p",
        "go",
        "--model",
        `script:${script}`,
        "--max-wait",
        "1",
      ];
      const run = await runCli(args, { cwd: ws.dir, env: ws.env, onTestFinished });
      const record = ws.records().find((found) => found.command === command);
      const ended = (found: TaskRecord | undefined) =>
        found && { status: found.status, exit_code: found.exit_code, end_detail: found.end_detail };
      const outcome = {
        watch: ended(ws.records().find((found) => found.command === watch)),
        task: ended(record),
      };
      // A failure names both ends and what -p printed: once in CI the watch was killed, cause unseen.
      const seen = `${JSON.stringify(outcome)}\n${run.stdout.slice(-4000)}\n${run.stderr.slice(-2000)}`;
      expect(outcome, seen).toMatchObject({ watch: { status: "completed" }, task: { status: "killed" } });
      expect(readFileSync(record!.output_file, "utf8")).toContain("ready");
      expect(sshdProcesses(sshd, (line) => /sleep 30[12]/.test(line))).toBe(0);
    },
  );

  it(
    "lanes tasks kill from another shell: the owning lanes ends it on the host",
    { timeout: 180_000 },
    async ({ onTestFinished }) => {
      const ws = server.track(remoteWorkspace(sshd));
      const script = ws.script([
        {
          tool_calls: [{ name: "background_run", input: { command: "echo ready; sleep 303", lane: "box" } }],
        },
        { tool_calls: [{ name: "wait_background", input: { timeout_ms: 120_000 } }] },
        { text: "done" },
      ]);
      const run = runCli(["-p", "go", "--model", `script:${script}`], {
        cwd: ws.dir,
        env: ws.env,
        onTestFinished,
      });
      const deadline = Date.now() + 90_000;
      let id: string | undefined;
      while (Date.now() < deadline) {
        // The record is written before its log is made: ws.log() reads "" until both are there.
        if (ws.log().includes("ready")) {
          id = ws.records()[0]?.id;
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(id).toBeDefined();
      const kill = await runCli(["tasks", "kill", id!], { cwd: ws.dir, env: ws.env, onTestFinished });
      expect(kill.code).toBe(0);
      await run;
      expect(ws.records()[0]).toMatchObject({
        status: "killed",
        end_reason: "user_kill",
        end_detail: "killed by the user (lanes tasks kill)",
      });
      expect(sshdProcesses(sshd, (line) => line.includes("sleep 303"))).toBe(0);
    },
  );
});
