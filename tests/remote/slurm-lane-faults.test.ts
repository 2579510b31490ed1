import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { slurmPaths, submitJob } from "../../src/remote/slurm-job.js";
import { runCli } from "../helpers/run-cli.js";
import {
  heldTask,
  killMidTaskThenResume,
  runScript,
  taskScript,
  until,
  useLaneServer,
} from "../helpers/remote-scenarios.js";
import { startSlurm } from "../helpers/slurm.js";
import { slurmWorkspace, type SlurmWorkspace } from "../helpers/slurm-workspace.js";

describe("a Slurm lane when things go wrong", () => {
  const cluster = useLaneServer(startSlurm);
  const workspace = (lane: Record<string, unknown> = {}): SlurmWorkspace =>
    cluster.track(slurmWorkspace(cluster.server(), lane));
  const submissions = (): number =>
    (
      readFileSync(join(cluster.server().dir, "slurmctld.log"), "utf8").match(
        /_slurm_rpc_submit_batch_job/g,
      ) ?? []
    ).length;

  it("a resent start is a no-op: one job, the command runs once", { timeout: 120_000 }, async () => {
    const ws = workspace();
    const where = {
      lane: "hpc",
      host: "local",
      transport: undefined,
      env: { ...process.env, ...cluster.server().env },
    };
    const paths = slurmPaths(ws.remoteDir, "w", "t1");
    const { mkdirSync } = await import("node:fs");
    mkdirSync(paths.work, { recursive: true });
    const request = {
      taskId: "t1",
      command: "echo ran >> count.txt",
      paths,
      partition: "debug",
      deadlineMs: 60_000,
    };
    const before = submissions();
    const first = await submitJob(where, request);
    const second = await submitJob(where, request);
    expect(second).toBe(first);
    expect(submissions() - before).toBe(1);
    await until(() => {
      try {
        return readFileSync(join(paths.task, "exit"), "utf8") === "0 exit\n";
      } catch {
        return false;
      }
    }, "exit file");
    expect(readFileSync(join(paths.work, "count.txt"), "utf8")).toBe("ran\n");
  });

  it(
    "SIGKILL of lanes mid-job: the next session adopts the job and delivers its result once",
    { timeout: 240_000 },
    async ({ onTestFinished }) => {
      const ws = workspace();
      let before = 0;
      await killMidTaskThenResume(ws, {
        onTestFinished,
        waitMs: 120_000,
        beforeKill: () => (before = submissions()),
      });
      expect(submissions()).toBe(before);
    },
  );

  it(
    "a slurmctld restart during a job: the task keeps its job and delivers its exit code",
    { timeout: 240_000 },
    async ({ onTestFinished }) => {
      const ws = workspace();
      const held = heldTask(ws);
      const script = taskScript(ws, { command: held.command }, { timeout_ms: 120_000 });
      const run = runScript(ws, script, onTestFinished);
      await until(() => ws.log().includes("begin"), "the job to start");
      const before = submissions();
      await cluster.server().restartController();
      // The job ends only once the controller is back: its end is seen through the restarted one.
      held.release();
      const done = await run;
      expect(done.code).toBe(0);
      expect(ws.records()[0]).toMatchObject({ status: "failed", exit_code: 5, notified: true });
      expect(ws.log()).toBe("begin\nend\n");
      expect(submissions()).toBe(before);
    },
  );

  it(
    "an unknown partition fails the task at once with one line naming the lane and the reason",
    { timeout: 120_000 },
    async ({ onTestFinished }) => {
      const ws = workspace({ partition: "nope" });
      const script = taskScript(ws, { command: "echo never" }, { timeout_ms: 60_000 });
      const run = await runScript(ws, script, onTestFinished, { args: ["--output-format", "json"] });
      expect(run.code).toBe(0);
      const [record] = ws.records();
      expect(record).toMatchObject({ status: "failed", exit_code: null, end_reason: "spawn_error" });
      expect(record?.end_detail).toMatch(
        /^remote lane hpc \(local\): unknown partition: partition "nope" does not exist/,
      );
      expect(record?.end_detail).not.toContain("\n");
      expect(ws.log()).toBe("");
    },
  );

  it(
    "a pending job shows as queued with Slurm's reason, then runs when Slurm lets it",
    { timeout: 120_000 },
    async ({ onTestFinished }) => {
      const ws = workspace();
      // A job holding the whole node: lanes' job pends behind it (Resources) until it is cancelled.
      const slurm = cluster.server();
      const blocker = slurm
        .run("sbatch", [
          "--parsable",
          "--exclusive",
          "--job-name=blocker",
          "--output=/dev/null",
          "--wrap",
          "sleep 300",
        ])
        .trim();
      onTestFinished(() => void slurm.run("scancel", [blocker]));
      await until(
        () => slurm.run("squeue", ["-h", "-j", blocker, "-o", "%T"]).trim() === "RUNNING",
        "blocker",
      );
      const run = runScript(
        ws,
        taskScript(ws, { command: "echo ran" }, { timeout_ms: 90_000 }),
        onTestFinished,
      );
      let reason: string | null | undefined;
      await until(() => {
        try {
          reason = ws.records()[0]?.remote?.queue_reason;
          return typeof reason === "string" && reason !== "None";
        } catch {
          return false;
        }
      }, "the record to keep Slurm's reason");
      expect(reason).toMatch(/^(Resources|Priority)$/);
      const tasks = await runCli(["tasks"], { cwd: ws.dir, env: ws.env, onTestFinished });
      expect(tasks.stdout).toContain(`queued (${reason})`);
      slurm.run("scancel", [blocker]);
      const done = await run;
      expect(done.code).toBe(0);
      expect(ws.records()[0]).toMatchObject({ status: "completed", exit_code: 0, notified: true });
      expect(ws.records()[0]?.remote?.queue_reason).toBeNull();
      expect(ws.log()).toBe("ran\n");
    },
  );
});
