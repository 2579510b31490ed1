import { describe, expect, it } from "vitest";
import { startSlurm } from "../helpers/slurm.js";

describe("the test Slurm cluster (munge, slurmctld, slurmd from a temp slurm.conf)", () => {
  it("runs a batch job and leaves no daemon or job behind after stop", { timeout: 120_000 }, async () => {
    const slurm = await startSlurm();
    let stopped = false;
    try {
      const id = slurm
        .run("sbatch", ["--parsable", "--wrap", "sleep 300", `--output=${slurm.dir}/out`])
        .trim();
      expect(id).toMatch(/^\d+$/);
      for (let i = 0; i < 100 && slurm.jobProcesses((c) => c.includes("sleep 300")) === 0; i++)
        await new Promise((resolve) => setTimeout(resolve, 200));
      expect(slurm.jobProcesses((c) => c.includes("sleep 300"))).toBe(1);
      const dir = slurm.dir;
      slurm.stop();
      stopped = true;
      await new Promise((resolve) => setTimeout(resolve, 500));
      // This cluster's own processes only (by the mark they inherit, or its folder in their arguments): other
      // tests run their own `sleep 300` meanwhile (CI matched one of the held sandbox's).
      const { execFileSync } = await import("node:child_process");
      const naming = execFileSync("ps", ["-eo", "pid,args"], { encoding: "utf8" })
        .split("\n")
        .filter((line) => !line.includes("<defunct>") && line.includes(dir));
      expect([...slurm.leftBehind(), ...naming]).toEqual([]);
    } finally {
      if (!stopped) slurm.stop();
    }
  });
});
