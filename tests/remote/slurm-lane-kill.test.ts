import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/run-cli.js";
import { startSlurm, type TestSlurm } from "../helpers/slurm.js";
import { slurmWorkspace } from "../helpers/slurm-workspace.js";
import { useLaneServer } from "../helpers/remote-scenarios.js";

describe("killing a task on a Slurm lane (scancel, proctrack/cgroup)", () => {
  const server = useLaneServer(startSlurm);
  let slurm: TestSlurm;
  beforeAll(() => (slurm = server.server()));

  it(
    "ends a TERM-ignoring child and a setsid grandchild of the job: 0 left, the job CANCELLED",
    { timeout: 180_000 },
    async ({ onTestFinished }) => {
      const ws = server.track(slurmWorkspace(slurm));
      // The job (on this machine) marks the workspace once its setsid child is started: the model's next turn
      // waits for that mark in the foreground (up to 60 s), not a guessed 8 s; -p's kill then comes 1 s later.
      const command = `trap '' TERM; setsid sh -c 'trap "" TERM; sleep 311' & echo ready; touch '${ws.dir}/job-ready'; trap '' TERM; sleep 312`;
      const script = ws.script([
        { tool_calls: [{ name: "background_run", input: { command, lane: "hpc" } }] },
        { tool_calls: [{ name: "bash", input: { command: "until [ -e job-ready ]; do sleep 0.1; done" } }] },
        { text: "done" },
      ]);
      // -p ends its unfinished task on the way out: the same kill as kill_background.
      const args = ["-p", "go", "--model", `script:${script}`, "--max-wait", "1"];
      await runCli(args, { cwd: ws.dir, env: ws.env, onTestFinished });
      const [record] = ws.records();
      expect(ws.log()).toContain("ready");
      expect(record, JSON.stringify(record)).toMatchObject({ status: "killed" });
      expect(slurm.jobProcesses((line) => /sleep 31[12]/.test(line))).toBe(0);
      const state = slurm.run("scontrol", ["show", "job", "-o", record!.remote!.job_id!]);
      expect(state).toMatch(/JobState=CANCELLED/);
    },
  );
});
