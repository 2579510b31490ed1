import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/run-cli.js";
import {
  killMidTaskThenResume,
  runScript,
  taskScript,
  until,
  useLaneServer,
} from "../helpers/remote-scenarios.js";
import { startSlurm } from "../helpers/slurm.js";
import { slurmWorkspace, type SlurmWorkspace } from "../helpers/slurm-workspace.js";
import { startSshd } from "../helpers/sshd.js";

// sbatch, squeue, scontrol and scancel run on a "login node" over ssh (this machine, through the test
// sshd), the workspace is rsynced there; lanes itself runs without SLURM_CONF.
describe("a Slurm lane through a login node over ssh (real sshd and Slurm on loopback)", () => {
  const cluster = useLaneServer(startSlurm);
  const login = useLaneServer(() => startSshd({ setEnv: cluster.server().env }));
  const workspace = (): SlurmWorkspace => {
    const sshd = login.server();
    const ssh = {
      host: "root@127.0.0.1",
      port: sshd.port,
      identity_file: sshd.identityFile,
      known_hosts_file: sshd.knownHostsFile,
    };
    const ws = cluster.track(slurmWorkspace(cluster.server(), { ssh }));
    delete ws.env.SLURM_CONF;
    return ws;
  };
  const submissions = (): number =>
    (
      readFileSync(join(cluster.server().dir, "slurmctld.log"), "utf8").match(
        /_slurm_rpc_submit_batch_job/g,
      ) ?? []
    ).length;

  it(
    "runs as a job in the folder synced to the login node and delivers its exit code once, over one connection",
    { timeout: 120_000 },
    async ({ onTestFinished }) => {
      const ws = workspace();
      writeFileSync(join(ws.dir, "only-here.txt"), "synced-from-the-workspace\n");
      const command = 'pwd; cat only-here.txt; echo "job $SLURM_JOB_ID"; exit 3';
      const script = taskScript(ws, { command }, { timeout_ms: 60_000 });
      const sshd = login.server();
      const before = { submitted: submissions(), connections: sshd.connections() };
      const run = await runScript(ws, script, onTestFinished);
      expect(run.code).toBe(0);
      const [record] = ws.records();
      expect(record).toMatchObject({ status: "failed", exit_code: 3, notified: true, lane: "hpc" });
      expect(record?.remote).toMatchObject({ kind: "slurm", host: "root@127.0.0.1", phase: "started" });
      const log = ws.log();
      expect(log).toContain(`${ws.remoteDir}/ws-`);
      expect(log).toContain("synced-from-the-workspace");
      expect(log).toContain(`job ${record?.remote?.job_id ?? "?"}`);
      expect(submissions() - before.submitted).toBe(1);
      // Check, look-up, sync, sbatch, a poll every 0.5 s and the clean: one shared connection.
      expect(sshd.connections() - before.connections).toBe(1);
    },
  );

  it(
    "kill: scancel on the login node ends a TERM-ignoring child and a setsid grandchild, 0 left",
    { timeout: 120_000 },
    async ({ onTestFinished }) => {
      const ws = workspace();
      const command =
        "trap '' TERM; setsid sh -c 'trap \"\" TERM; sleep 321' & echo ready; trap '' TERM; sleep 322";
      const run = runScript(ws, taskScript(ws, { command }, { timeout_ms: 60_000 }), onTestFinished);
      await until(() => ws.log().includes("ready"), "the job to start");
      const [started] = ws.records();
      const kill = await runCli(["tasks", "kill", started!.id], { cwd: ws.dir, env: ws.env, onTestFinished });
      expect(kill.code).toBe(0);
      await run;
      const [record] = ws.records();
      expect(record).toMatchObject({ status: "killed", end_reason: "user_kill", notified: true });
      const slurm = cluster.server();
      await until(() => slurm.jobProcesses((line) => /sleep 32[12]/.test(line)) === 0, "0 left", 30_000);
      const state = slurm.run("scontrol", ["show", "job", "-o", record!.remote!.job_id!]);
      expect(state).toMatch(/JobState=CANCELLED/);
    },
  );

  it(
    "SIGKILL of lanes mid-job: the next session adopts the job over ssh and delivers its result once",
    { timeout: 120_000 },
    async ({ onTestFinished }) => {
      const ws = workspace();
      let before = 0;
      await killMidTaskThenResume(ws, {
        onTestFinished,
        waitMs: 60_000,
        beforeKill: () => (before = submissions()),
      });
      expect(submissions()).toBe(before);
    },
  );
});
