import { writeFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { remoteWorkspace, type RemoteWorkspace } from "../helpers/remote-workspace.js";
import { runCli } from "../helpers/run-cli.js";
import { startSshd, type TestSshd } from "../helpers/sshd.js";
import { useLaneServer } from "../helpers/remote-scenarios.js";

/** `lanes -p go` with the scripted model, JSON output, in the workspace. */
function runScript(ws: RemoteWorkspace, script: string, onTestFinished: (hook: () => void) => void) {
  const args = ["-p", "go", "--model", `script:${script}`, "--output-format", "json"];
  return runCli(args, { cwd: ws.dir, env: ws.env, onTestFinished });
}

describe("a remote lane on an SSH host (real sshd over loopback)", () => {
  const server = useLaneServer(startSshd);
  let sshd: TestSshd;
  beforeAll(() => (sshd = server.server()));

  it(
    "runs in the synced remote folder and delivers its result and exit code once",
    { timeout: 240_000 },
    async ({ onTestFinished }) => {
      const ws = server.track(remoteWorkspace(sshd));
      writeFileSync(`${ws.dir}/only-here.txt`, "synced-from-the-workspace\n");
      writeFileSync(`${ws.dir}/.gitignore`, "ignored.txt\n");
      writeFileSync(`${ws.dir}/ignored.txt`, "never synced\n");
      const script = ws.script([
        {
          tool_calls: [
            {
              name: "background_run",
              input: {
                command: "pwd; cat only-here.txt; ls ignored.txt .lanes 2>&1 | wc -l; exit 3",
                lane: "box",
              },
            },
          ],
        },
        { tool_calls: [{ name: "wait_background", input: {} }] },
        { text: "done" },
      ]);
      const run = await runScript(ws, script, onTestFinished);
      expect(run.stderr).not.toMatch(/error/i);
      const [record] = ws.records();
      expect(record).toMatchObject({ status: "failed", exit_code: 3, notified: true, lane: "box" });
      expect(record?.remote).toMatchObject({ kind: "ssh", host: "root@127.0.0.1", phase: "started" });
      const { readFileSync } = await import("node:fs");
      const log = readFileSync(record!.output_file, "utf8");
      expect(log).toContain(`${ws.remoteDir}/ws-`);
      expect(log).toContain("synced-from-the-workspace");
      // Both listed as missing there (one line each): .gitignore'd files and .lanes/ never travel.
      expect(log.trim().split("\n").pop()).toBe("2");
      const output = JSON.parse(run.stdout) as { tool_calls: { name: string }[] };
      expect(output.tool_calls.map((call) => call.name)).toEqual(["background_run", "wait_background"]);
    },
  );

  it(
    "six tasks started at once into a folder the host does not have yet: each synced and completed",
    { timeout: 240_000 },
    async ({ onTestFinished }) => {
      const ws = server.track(remoteWorkspace(sshd));
      writeFileSync(`${ws.dir}/only-here.txt`, "synced\n");
      // Two syncs into one folder at once raced: "mkdir ... failed: File exists" failed one of the tasks.
      const calls = Array.from({ length: 6 }, (_, i) => ({
        name: "background_run",
        input: { command: `cat only-here.txt; echo task-${i}`, lane: "box" },
      }));
      const script = ws.script([
        { tool_calls: calls },
        { tool_calls: [{ name: "wait_background", input: {} }] },
        { text: "done" },
      ]);
      const run = await runScript(ws, script, onTestFinished);
      expect(run.code, run.stderr).toBe(0);
      const ends = ws.records().map((record) => [record.status, record.end_detail]);
      expect(ends).toEqual(Array.from({ length: 6 }, () => ["completed", null]));
    },
  );
});
