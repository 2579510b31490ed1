import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TaskRecord } from "../../src/lanes/task-record.js";
import { pathWithout } from "../helpers/path-with-only.js";
import { runCli } from "../helpers/run-cli.js";
import { startSlurm, type TestSlurm } from "../helpers/slurm.js";
import { slurmWorkspace, type SlurmWorkspace } from "../helpers/slurm-workspace.js";
import { startSshd, type TestSshd } from "../helpers/sshd.js";

// Issue 20, "when the remote is wrong", at task time: one lanes -p run carries four broken remote lanes and
// a local one. Each broken lane's task fails at once with one line naming the lane, the host and the reason,
// leaves nothing started on either side, and the local task still completes.
describe("remote lanes that are wrong at task time, beside a local lane that works", () => {
  let slurm: TestSlurm;
  let sshd: TestSshd;
  let bare: string;
  let ws: SlurmWorkspace;
  const byLane = new Map<string, TaskRecord>();
  let elapsedMs = 0;
  const jobs = (): string => slurm.run("squeue", ["-h", "-o", "%j"]).trim();

  beforeAll(async () => {
    bare = mkdtempSync(join(tmpdir(), "lanes-bare-host-"));
    slurm = await startSlurm();
    // A host whose sessions find neither rsync nor sbatch.
    sshd = await startSshd({ setEnv: { PATH: pathWithout(bare, ["rsync", "sbatch"]) } });
    ws = slurmWorkspace(slurm);
    const ssh = {
      host: "root@127.0.0.1",
      port: sshd.port,
      identity_file: sshd.identityFile,
      known_hosts_file: sshd.knownHostsFile,
    };
    const lanes = {
      readonly: { remote: { type: "ssh", ...ssh, dir: "/proc/lanes-never" } },
      norsync: { remote: { type: "ssh", ...ssh, dir: join(ws.root, "box") } },
      nopart: { remote: { type: "slurm", dir: ws.remoteDir, partition: "nope" } },
      nosbatch: { remote: { type: "slurm", dir: join(ws.root, "login"), partition: "debug", ssh } },
    };
    const config = { lanes, kill_grace_ms: 1_000 };
    writeFileSync(join(ws.home, ".config", "lanes", "config.json"), JSON.stringify(config));
    const run = (lane?: string): unknown => ({
      name: "background_run",
      input: lane === undefined ? { command: "echo local-ran" } : { command: "echo never", lane },
    });
    const script = ws.script([
      { tool_calls: ["readonly", "norsync", "nopart", "nosbatch", undefined].map(run) },
      { tool_calls: [{ name: "wait_background", input: { timeout_ms: 60_000 } }] },
      { text: "done" },
    ]);
    const began = Date.now();
    await runCli(["-p", "go", "--model", `script:${script}`], { cwd: ws.dir, env: ws.env });
    elapsedMs = Date.now() - began;
    for (const record of ws.records()) byLane.set(record.lane, record);
  }, 180_000);
  afterAll(() => {
    sshd?.stop();
    slurm?.stop();
    ws?.remove();
    if (bare) rmSync(bare, { recursive: true, force: true });
  });

  const failedWith = (lane: string, host: string, reason: string): void => {
    const record = byLane.get(lane);
    expect(record).toMatchObject({ status: "failed", exit_code: null, notified: true });
    expect(record?.end_detail).toContain(`remote lane ${lane} (${host}): ${reason}`);
    expect(record?.end_detail).not.toContain("\n");
  };

  it("the local task completes in the same run, and the run does not hang on retries", () => {
    const local = [...byLane.values()].find((record) => record.remote === undefined);
    expect(local).toMatchObject({ status: "completed", exit_code: 0 });
    expect(elapsedMs).toBeLessThan(30_000);
  });

  it("a read-only dir on the host: dir not writable, the task never submitted", () => {
    failedWith("readonly", "root@127.0.0.1", "dir not writable: /proc/lanes-never is not writable");
    expect(byLane.get("readonly")?.remote?.phase).toBe("submitting");
  });

  it("a host without rsync: rsync missing, nothing left in dir", () => {
    failedWith("norsync", "root@127.0.0.1", "missing program: rsync is not installed on the host");
    // What stays is lanes' own: the supervisor's script and the (empty) tasks folder of the check.
    const box = join(ws.root, "box");
    expect(readdirSync(box).sort()).toEqual([".lanes-supervisor", ".lanes-tasks"]);
    for (const key of readdirSync(join(box, ".lanes-tasks")))
      expect(readdirSync(join(box, ".lanes-tasks", key))).toEqual([]);
  });

  it("a partition that does not exist: Slurm's reason, no job in squeue", () => {
    failedWith("nopart", "local", 'unknown partition: partition "nope" does not exist');
    expect(jobs()).toBe("");
    // No task folder half made on the shared dir (the synced workspace stays, as for every task).
    const tasks = join(ws.remoteDir, ".lanes-tasks");
    for (const key of readdirSync(tasks)) expect(readdirSync(join(tasks, key))).toEqual([]);
  });

  it("a login node without sbatch: sbatch missing", () => {
    failedWith("nosbatch", "root@127.0.0.1", "missing program: sbatch is not installed");
  });

  it(
    "a local cluster whose sbatch is not on lanes' PATH: sbatch missing, the local task completes",
    { timeout: 60_000 },
    async ({ onTestFinished }) => {
      const local = slurmWorkspace(slurm);
      onTestFinished(() => local.remove());
      local.env.PATH = pathWithout(local.root, ["sbatch"]);
      const script = local.script([
        {
          tool_calls: [
            { name: "background_run", input: { command: "echo never", lane: "hpc" } },
            { name: "background_run", input: { command: "echo local-ran" } },
          ],
        },
        { tool_calls: [{ name: "wait_background", input: { timeout_ms: 60_000 } }] },
        { text: "done" },
      ]);
      await runCli(["-p", "go", "--model", `script:${script}`], {
        cwd: local.dir,
        env: local.env,
        onTestFinished,
      });
      const records = local.records();
      const hpc = records.find((record) => record.lane === "hpc");
      expect(hpc).toMatchObject({ status: "failed", exit_code: null, notified: true });
      expect(hpc?.end_detail).toBe(
        "remote lane hpc (local): missing program: sbatch is not installed (slurm-client)",
      );
      expect(records.find((record) => record.lane !== "hpc")).toMatchObject({
        status: "completed",
        exit_code: 0,
      });
    },
  );
});
