import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { findByEnv, killByEnv, processInfo } from "./process-tree.js";

/** Every daemon of a test cluster (and what slurmd forks: slurmstepd, the jobs) carries this mark. */
export const SLURM_MARK_VARIABLE = "LANES_TEST_SLURM";

/** munge + slurmctld + slurmd from a minimal slurm.conf in a temp folder, on loopback ports. */
export interface TestSlurm {
  dir: string;
  /** The slurm.conf every Slurm command must be pointed at (SLURM_CONF). */
  conf: string;
  /** An environment with SLURM_CONF set (merge into the one lanes runs with). */
  env: Record<string, string>;
  /** Runs a Slurm command against this cluster, returning its stdout. */
  run(command: string, args: string[]): string;
  /** Stops slurmctld by PID (TERM: it saves its state) and starts it again from its state folder (jobs keep running on slurmd). */
  restartController(): Promise<void>;
  /** Processes of jobs still alive (0 after a complete kill), matched by the mark the jobs inherit. */
  jobProcesses(filter?: (command: string) => boolean): number;
  /** Every live process of this cluster, daemons included ("pid command"): none once it is stopped. */
  leftBehind(): string[];
  stop(): void;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const PROGRAMS = ["/usr/sbin/munged", "/usr/sbin/slurmctld", "/usr/sbin/slurmd", "/usr/bin/sbatch"];

/** Missing programs in one line: a machine without them fails clearly, never skips. */
function requirePrograms(): void {
  const missing = PROGRAMS.filter((file) => !existsSync(file));
  if (missing.length > 0)
    throw new Error(
      `Slurm tests need munge slurmctld slurmd slurm-client (apt-get install munge slurmctld slurmd slurm-client): missing ${missing.join(", ")}`,
    );
}

/** The daemon under a sh guard reading its stdin: when this test process dies, the pipe closes and it is killed. */
function guarded(program: string, args: string[], env: NodeJS.ProcessEnv, logFile: string): ChildProcess {
  const guard = spawn(
    "sh",
    [
      "-c",
      'p=$1; shift; "$p" "$@" >>"$LOG" 2>&1 & pid=$!; read _; kill -9 "$pid" 2>/dev/null',
      "guard",
      program,
      ...args,
    ],
    { stdio: ["pipe", "ignore", "ignore"], env: { ...env, LOG: logFile } },
  );
  guard.stdin?.on("error", () => {});
  return guard;
}

function lastLine(file: string): string {
  return existsSync(file) ? (readFileSync(file, "utf8").trim().split("\n").pop() ?? "") : "no log line";
}

export async function startSlurm(options: { proctrack?: "cgroup" | "linuxproc" } = {}): Promise<TestSlurm> {
  requirePrograms();
  const dir = mkdtempSync(join(tmpdir(), "lanes-slurm-"));
  const mark = `${process.pid}-${Date.now()}`;
  const at = (name: string): string => join(dir, name);
  mkdirSync(at("state"));
  mkdirSync(at("spool"));
  writeFileSync(at("munge.key"), execFileSync("head", ["-c", "1024", "/dev/urandom"]), { mode: 0o600 });
  const [controllerPort, nodePort] = [await freePort(), await freePort()];
  const conf = at("slurm.conf");
  const lines = [
    "ClusterName=lanestest",
    "SlurmctldHost=localhost",
    `SlurmctldPort=${controllerPort}`,
    `SlurmdPort=${nodePort}`,
    "AuthType=auth/munge",
    `AuthInfo=socket=${at("munge.sock")}`,
    "CredType=cred/munge",
    "SlurmUser=root",
    "SlurmdUser=root",
    `StateSaveLocation=${at("state")}`,
    `SlurmdSpoolDir=${at("spool")}`,
    `SlurmctldPidFile=${at("slurmctld.pid")}`,
    `SlurmdPidFile=${at("slurmd.pid")}`,
    `SlurmctldLogFile=${at("slurmctld.log")}`,
    `SlurmdLogFile=${at("slurmd.log")}`,
    `ProctrackType=proctrack/${options.proctrack ?? "cgroup"}`,
    "TaskPlugin=task/none",
    "ReturnToService=2",
    "SchedulerType=sched/backfill",
    "SelectType=select/cons_tres",
    "SelectTypeParameters=CR_Core",
    // Finished jobs stay visible to scontrol this long; the exit file covers the rest.
    "MinJobAge=30",
    // Two test clusters at once share the cgroup tree (…/job_<id>): ids must not collide.
    `FirstJobId=${1000 + Math.floor(Math.random() * 1_000_000)}`,
    "KillWait=2",
    "JobCompType=jobcomp/none",
    "AccountingStorageType=accounting_storage/none",
    "MpiDefault=none",
    `NodeName=localhost NodeAddr=127.0.0.1 CPUs=${cpus().length} State=UNKNOWN`,
    "PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP",
  ];
  writeFileSync(conf, `${lines.join("\n")}\n`);
  writeFileSync(at("cgroup.conf"), "CgroupAutomount=yes\nConstrainCores=no\n");
  const env = { ...process.env, SLURM_CONF: conf, [SLURM_MARK_VARIABLE]: mark };
  const guards: ChildProcess[] = [];
  const daemon = (program: string, args: string[], log: string): void => {
    guards.push(guarded(program, args, env, at(log)));
  };
  const run = (command: string, args: string[]): string =>
    execFileSync(command, args, {
      env,
      encoding: "utf8",
      timeout: 30_000,
      stdio: ["ignore", "pipe", "pipe"],
    });
  const pidOf = (name: string): number | undefined => {
    const file = at(`${name}.pid`);
    return existsSync(file) ? Number(readFileSync(file, "utf8").trim()) : undefined;
  };
  const startController = (): void =>
    daemon("/usr/sbin/slurmctld", ["-D", "-i", "-f", conf], "slurmctld.out");
  const stop = (): void => {
    try {
      execFileSync("scancel", ["--full", "--user=root"], { env, stdio: "ignore", timeout: 10_000 });
    } catch {
      // The controller may be down already.
    }
    for (const guard of guards) {
      guard.stdin?.end();
      guard.kill("SIGKILL");
    }
    for (const name of ["slurmctld", "slurmd", "munged"]) {
      const pid = pidOf(name);
      if (pid === undefined) continue;
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
    killByEnv(SLURM_MARK_VARIABLE, mark);
    // slurmstepd drops our mark but keeps SLURM_CONF: a step left by a job stops with its cluster.
    killByEnv("SLURM_CONF", conf);
    rmSync(dir, { recursive: true, force: true });
  };
  const waitFor = async (what: string, ready: () => boolean, log: string): Promise<void> => {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (ready()) return;
      await delay(200);
    }
    const why = lastLine(at(log));
    stop();
    throw new Error(`the test ${what} did not start: ${why}`);
  };
  const answers = (command: string, args: string[]): string => {
    try {
      return run(command, args);
    } catch {
      return "";
    }
  };

  daemon(
    "/usr/sbin/munged",
    [
      "-F",
      "-f",
      `--socket=${at("munge.sock")}`,
      `--key-file=${at("munge.key")}`,
      `--log-file=${at("munged.log")}`,
      `--pid-file=${at("munged.pid")}`,
      `--seed-file=${at("munged.seed")}`,
    ],
    "munged.out",
  );
  await waitFor("munged", () => existsSync(at("munge.sock")), "munged.log");
  startController();
  daemon("/usr/sbin/slurmd", ["-D", "-N", "localhost", "-f", conf], "slurmd.out");
  await waitFor(
    "slurmctld and slurmd",
    () => /idle/.test(answers("sinfo", ["-h", "-o", "%T"])),
    existsSync(at("slurmd.log")) ? "slurmd.log" : "slurmctld.log",
  );

  return {
    dir,
    conf,
    env: { SLURM_CONF: conf, [SLURM_MARK_VARIABLE]: mark },
    run,
    restartController: async () => {
      // TERM, as `systemctl restart` does: slurmctld saves its state first. A KILL lost the job's allocation
      // (saved before it), so the restarted controller ran the job a second time and drained the node.
      const pid = pidOf("slurmctld");
      if (pid !== undefined) process.kill(pid, "SIGTERM");
      // A dead controller's port is closed with it. sinfo against a stopped controller retries its connect
      // for ~9 s before it gives up, so it is asked only when the pid file named no process.
      await waitFor(
        "slurmctld (stop)",
        () =>
          pid === undefined ? answers("sinfo", ["-h", "-o", "%T"]) === "" : processInfo(pid) === undefined,
        "slurmctld.log",
      );
      startController();
      await waitFor(
        "slurmctld (restart)",
        () => answers("sinfo", ["-h", "-o", "%T"]) !== "",
        "slurmctld.log",
      );
    },
    jobProcesses: (filter = () => true) =>
      findByEnv(SLURM_MARK_VARIABLE, mark).filter(
        (info) => !/slurmctld|slurmd|munged|slurmstepd|^sh -c p=/.test(info.command) && filter(info.command),
      ).length,
    // slurmstepd drops the mark but keeps SLURM_CONF (as stop() knows).
    leftBehind: () =>
      [...findByEnv(SLURM_MARK_VARIABLE, mark), ...findByEnv("SLURM_CONF", conf)].map(
        (info) => `${info.pid} ${info.command}`,
      ),
    stop,
  };
}
