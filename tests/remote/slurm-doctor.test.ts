import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/run-cli.js";
import { startSlurm, type TestSlurm } from "../helpers/slurm.js";
import { slurmWorkspace, type SlurmWorkspace } from "../helpers/slurm-workspace.js";

describe("lanes doctor with Slurm lanes", () => {
  let slurm: TestSlurm;
  let ws: SlurmWorkspace | undefined;
  beforeAll(async () => {
    slurm = await startSlurm({ proctrack: "linuxproc" });
  }, 120_000);
  afterAll(() => {
    slurm?.stop();
    ws?.remove();
  });

  it(
    "checks each Slurm lane in one line, warns on proctrack/linuxproc and names an unknown partition",
    { timeout: 180_000 },
    async ({ onTestFinished }) => {
      ws = slurmWorkspace(slurm);
      const good = { type: "slurm", dir: ws.remoteDir, partition: "debug" };
      const config = { lanes: { hpc: { remote: good }, wrong: { remote: { ...good, partition: "nope" } } } };
      writeFileSync(join(ws.home, ".config", "lanes", "config.json"), JSON.stringify(config));
      const run = await runCli(["doctor"], {
        cwd: ws.dir,
        env: { ...ws.env, ANTHROPIC_BASE_URL: "http://127.0.0.1:9" },
        onTestFinished,
      });
      expect(run.stdout).toMatch(
        /✓ remote lane hpc \(Slurm, local:.*\): sbatch present, dir writable, Slurm answers \(proctrack\/linuxproc\)/,
      );
      expect(run.stdout).toMatch(/✗ remote lane hpc .*proctrack\/linuxproc: scancel can miss processes/);
      expect(run.stdout).toMatch(
        /✗ remote lane wrong \(local\): unknown partition: partition "nope" does not exist/,
      );
      expect(run.code).toBe(1);
    },
  );
});
