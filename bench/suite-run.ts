// Runs the test suite (or part of it) and measures it: wall time, and CPU read from a cgroup of its own when
// the machine lets it make one (all processes of the run, sshd, Slurm and sandboxes included), else from this
// process's reaped children (what `time` reports).
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** The part of vitest's JSON report read here: each file's own time (tests and hooks) and its tests. */
export interface Report {
  numPassedTests: number;
  numFailedTests: number;
  testResults: {
    name: string;
    startTime: number;
    endTime: number;
    assertionResults: { title: string; duration?: number | null }[];
  }[];
}

export interface SuiteRun {
  wall: number;
  /** CPU seconds of the run's processes. */
  cpu: number;
  /** How the CPU was read. */
  how: string;
}

const root = join(import.meta.dirname, "..");

interface CpuMeter {
  how: string;
  /** CPU seconds used by the run so far. */
  read(): number;
  close(): void;
}

/** A cgroup v1 cpuacct group holding this process (so every child the run starts), or undefined. */
function cgroupMeter(): CpuMeter | undefined {
  const dir = `/sys/fs/cgroup/cpuacct/lanes-suite-run-${process.pid}`;
  try {
    mkdirSync(dir);
    writeFileSync(join(dir, "cgroup.procs"), String(process.pid));
  } catch {
    return undefined;
  }
  const usage = (): number => Number(readFileSync(join(dir, "cpuacct.usage"), "utf8")) / 1e9;
  const start = usage();
  return {
    how: "cgroup (cpuacct): every process of the run",
    read: () => usage() - start,
    close: () => {
      // Back to the root group, so the empty group can be removed.
      writeFileSync("/sys/fs/cgroup/cpuacct/cgroup.procs", String(process.pid));
      try {
        rmdirSync(dir);
      } catch {
        console.error(`ci-time: ${dir} still holds processes the run left behind; it stays`);
      }
    },
  };
}

/** utime + stime of reaped children from /proc/self/stat (fields 16 and 17, in clock ticks of 10 ms). */
function childrenMeter(): CpuMeter {
  const ticks = (): number => {
    const fields = readFileSync("/proc/self/stat", "utf8").split(") ")[1]?.split(" ") ?? [];
    return (Number(fields[13]) + Number(fields[14])) / 100;
  };
  const start = ticks();
  return {
    how: "reaped children (what `time` reports; daemons left out)",
    read: () => ticks() - start,
    close() {},
  };
}

/**
 * `npx vitest run ARGS` with its JSON report at `output`, and the wall time and CPU of every process it ran.
 * `env` is added to this process's environment.
 */
export async function runSuite(
  args: string[],
  output: string,
  env: NodeJS.ProcessEnv = {},
): Promise<SuiteRun> {
  const meter = cgroupMeter() ?? childrenMeter();
  const started = performance.now();
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn("npx", ["vitest", "run", `--outputFile.json=${output}`, ...args], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: "inherit",
    });
    child.on("exit", (exitCode) => resolve(exitCode));
  });
  const wall = (performance.now() - started) / 1000;
  const cpu = meter.read();
  meter.close();
  if (code !== 0) console.error(`ci-time: vitest exited ${code}; the figures still describe the run`);
  return { wall, cpu, how: meter.how };
}
