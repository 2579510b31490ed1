import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/run-cli.js";
import { startSlurm, type TestSlurm } from "../helpers/slurm.js";
import { slurmWorkspace } from "../helpers/slurm-workspace.js";
import { useLaneServer } from "../helpers/remote-scenarios.js";

describe("a Slurm lane (real munge, slurmctld and slurmd on loopback)", () => {
  const server = useLaneServer(startSlurm);
  let slurm: TestSlurm;
  beforeAll(() => (slurm = server.server()));

  it(
    "runs as a job in the synced folder on dir and delivers its result and exit code once",
    { timeout: 240_000 },
    async ({ onTestFinished }) => {
      const ws = server.track(slurmWorkspace(slurm));
      writeFileSync(join(ws.dir, "only-here.txt"), "synced-from-the-workspace\n");
      const script = ws.script([
        {
          tool_calls: [
            {
              name: "background_run",
              input: { command: 'pwd; cat only-here.txt; echo "job $SLURM_JOB_ID"; exit 3', lane: "hpc" },
            },
          ],
        },
        { tool_calls: [{ name: "wait_background", input: { timeout_ms: 120_000 } }] },
        { text: "done" },
      ]);
      const run = await runCli(["-p", "go", "--model", `script:${script}`, "--output-format", "json"], {
        cwd: ws.dir,
        env: ws.env,
        onTestFinished,
      });
      expect(run.stderr).not.toMatch(/error/i);
      const records = ws.records();
      expect(records).toHaveLength(1);
      const [record] = records;
      expect(record).toMatchObject({ status: "failed", exit_code: 3, notified: true, lane: "hpc" });
      expect(record?.remote).toMatchObject({ kind: "slurm", host: "local", phase: "started" });
      const jobId = record?.remote?.job_id ?? "";
      expect(jobId).toMatch(/^\d+$/);
      const log = ws.log();
      expect(log).toContain(`${ws.remoteDir}/ws-`);
      expect(log).toContain("synced-from-the-workspace");
      expect(log).toContain(`job ${jobId}`);
      // Delivered: the task's folder on dir is removed; the workspace copy stays.
      expect(
        readdirSync(join(ws.remoteDir, ".lanes-tasks")).flatMap((key) =>
          readdirSync(join(ws.remoteDir, ".lanes-tasks", key)),
        ),
      ).toEqual([]);
      expect(existsSync(join(record!.remote!.dir, "only-here.txt"))).toBe(true);
      const output = JSON.parse(run.stdout) as { tool_calls: { name: string }[] };
      expect(output.tool_calls.map((call) => call.name)).toEqual(["background_run", "wait_background"]);
      expect(
        readFileSync(join(slurm.dir, "slurmctld.log"), "utf8").match(/_slurm_rpc_submit_batch_job/g),
      ).toHaveLength(1);
    },
  );
});
