/**
 * Remote lanes over loopback (`npm run bench -- --only remote`): a real sshd and a real Slurm (munge,
 * slurmctld, slurmd) started by the tests' helpers. Start latency is record written → the command's first
 * line in the local log (sync + submit + the first output pull); output lag is a line's time on the host →
 * its arrival in the local log. SSH runs with and without the shared master connection, alternating.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { LaneManager } from "../src/lanes/lane-manager.js";
import type { RemoteConfig } from "../src/config/remote-settings.js";
import { createRemoteLanes } from "../src/remote/remote-lanes.js";
import { startSlurm } from "../tests/helpers/slurm.js";
import { startSshd, type TestSshd } from "../tests/helpers/sshd.js";
import { loadAverage } from "./machine.js";
import { percentile, round, withWorkspace, type BenchContext } from "./support.js";

export interface RemoteLaneFigures {
  samples: number;
  startMedianMs: number;
  startP90Ms: number;
  /** The first task of a lanes also checks the host (and finds sbatch). */
  firstStartMs: number;
  syncMedianMs: number;
  lagMedianMs: number;
  lagP90Ms: number;
  lagLines: number;
  /** SSH: TCP connections sshd accepted per task (lag task included). */
  connectionsPerTask?: number;
}

export interface RemoteBenchResult {
  ssh?: RemoteLaneFigures;
  sshUnshared?: RemoteLaneFigures;
  slurm?: RemoteLaneFigures;
  /** Why a side did not run (a missing program), in one line. */
  sshSkipped?: string;
  slurmSkipped?: string;
  loadAvgStart: number[];
  loadAvgEnd: number[];
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const LAG_LINES = 25;

/** One lanes on one remote lane of a fresh 200-file workspace. */
function remoteManager(root: string, name: string, remote: RemoteConfig, share: boolean, env = process.env) {
  const workspace = join(root, name);
  mkdirSync(workspace);
  for (let i = 0; i < 200; i++) writeFileSync(join(workspace, `file-${i}.txt`), "x".repeat(2_000));
  const lanes = { box: { remote } };
  const runtime = createRemoteLanes({
    workspace,
    env,
    hidden: [],
    killGraceMs: 1_000,
    lanes,
    shareConnections: share,
  });
  return new LaneManager({
    env: process.env,
    ownerPid: process.pid,
    workspace,
    remote: runtime,
    stallMs: 0,
    laneLimits: { box: 100 },
  });
}

/** The host's copy of a task is removed after its end (a call of its own): none left of it. */
function taskGone(remoteDir: string, id: string): boolean {
  const tasks = join(remoteDir, ".lanes-tasks");
  return !existsSync(tasks) || readdirSync(tasks).every((key) => !existsSync(join(tasks, key, id)));
}

async function startOnce(
  lanes: LaneManager,
  remoteDir: string,
): Promise<{ startMs: number; syncMs: number }> {
  const began = performance.now();
  const record = lanes.start({ command: "echo up", lane: "box" });
  while (!readFileSync(record.output_file, "utf8").includes("up")) await sleep(5);
  const startMs = performance.now() - began;
  const ended = await lanes.whenEnded(record.id);
  // Its clean call ends before the next task starts: each task's connections are counted as its own.
  const deadline = Date.now() + 30_000;
  while (!taskGone(remoteDir, record.id) && Date.now() < deadline) await sleep(20);
  return { startMs, syncMs: ended.remote?.sync_ms ?? 0 };
}

/** The host prints its clock (same machine, same clock) every 200 ms; lanes appends it locally. */
async function outputLag(lanes: LaneManager): Promise<number[]> {
  const command = `for i in $(seq 1 ${LAG_LINES}); do date +%s%3N; sleep 0.2; done`;
  const record = lanes.start({ command, lane: "box" });
  const lags: number[] = [];
  let seen = 0;
  while (seen < LAG_LINES && lanes.get(record.id)?.status === "running") {
    const lines = readFileSync(record.output_file, "utf8").split("\n").filter(Boolean);
    for (const line of lines.slice(seen)) lags.push(Date.now() - Number(line));
    seen = lines.length;
    await sleep(5);
  }
  await lanes.whenEnded(record.id);
  // The first line also waits for the start: lag is the steady stream's.
  return lags.slice(1);
}

function figures(starts: { startMs: number; syncMs: number }[], lags: number[]): RemoteLaneFigures {
  const ms = starts.map((start) => start.startMs);
  return {
    samples: starts.length,
    startMedianMs: round(percentile(ms, 50), 0),
    startP90Ms: round(percentile(ms, 90), 0),
    firstStartMs: round(ms[0] ?? 0, 0),
    syncMedianMs: round(
      percentile(
        starts.map((start) => start.syncMs),
        50,
      ),
      0,
    ),
    lagMedianMs: round(percentile(lags, 50), 0),
    lagP90Ms: round(percentile(lags, 90), 0),
    lagLines: lags.length,
  };
}

async function benchSsh(context: BenchContext, samples: number, sshd: TestSshd, root: string) {
  const remote = (dir: string): RemoteConfig => ({
    type: "ssh",
    host: "root@127.0.0.1",
    port: sshd.port,
    identity_file: sshd.identityFile,
    known_hosts_file: sshd.knownHostsFile,
    host_key_checking: "strict",
    dir,
    time_limit: "00:10:00",
  });
  const sides = [
    { name: "shared", dir: join(root, "remote-shared") },
    { name: "unshared", dir: join(root, "remote-unshared") },
  ].map((side) => ({
    ...side,
    lanes: remoteManager(root, `ws-${side.name}`, remote(side.dir), side.name === "shared"),
  }));
  const results: RemoteLaneFigures[] = [];
  const starts = sides.map(() => [] as { startMs: number; syncMs: number }[]);
  const connections = sides.map(() => 0);
  // Alternating, so both see the same load.
  for (let i = 0; i < samples; i++)
    for (const [index, side] of sides.entries()) {
      const before = sshd.connections();
      starts[index]!.push(await startOnce(side.lanes, side.dir));
      connections[index]! += sshd.connections() - before;
    }
  for (const [index, side] of sides.entries()) {
    const before = sshd.connections();
    const lags = await outputLag(side.lanes);
    connections[index]! += sshd.connections() - before;
    await side.lanes.shutdown();
    const result = figures(starts[index]!, lags);
    result.connectionsPerTask = round(connections[index]! / (samples + 1), 1);
    context.log(
      `ssh ${side.name}: start median ${result.startMedianMs} ms (first ${result.firstStartMs}), lag median ${result.lagMedianMs} ms, ${result.connectionsPerTask} connections per task`,
    );
    results.push(result);
  }
  return { shared: results[0]!, unshared: results[1]! };
}

async function benchSlurm(context: BenchContext, samples: number, root: string): Promise<RemoteLaneFigures> {
  const slurm = await startSlurm();
  try {
    const dir = join(root, "shared");
    const remote: RemoteConfig = { type: "slurm", dir, time_limit: "00:10:00" };
    const lanes = remoteManager(root, "ws-slurm", remote, true, { ...process.env, ...slurm.env });
    const starts = [];
    for (let i = 0; i < samples; i++) starts.push(await startOnce(lanes, dir));
    const lags = await outputLag(lanes);
    await lanes.shutdown();
    const result = figures(starts, lags);
    context.log(`slurm: start median ${result.startMedianMs} ms, lag median ${result.lagMedianMs} ms`);
    return result;
  } finally {
    slurm.stop();
  }
}

/** A helper's "needs X: missing Y" error as the one line the bench prints; other errors are the bench's. */
function missingPrograms(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (!/need .*missing/.test(message)) throw error;
  return message;
}

export async function benchRemote(context: BenchContext): Promise<RemoteBenchResult> {
  const samples = context.quick ? 3 : 8;
  const result: RemoteBenchResult = { loadAvgStart: loadAverage(), loadAvgEnd: [] };
  await withWorkspace("remote", async (root) => {
    let sshd: TestSshd | undefined;
    try {
      sshd = await startSshd();
      const ssh = await benchSsh(context, samples, sshd, root);
      result.ssh = ssh.shared;
      result.sshUnshared = ssh.unshared;
    } catch (error) {
      result.sshSkipped = missingPrograms(error);
      context.log(`ssh: skipped: ${result.sshSkipped}`);
    } finally {
      sshd?.stop();
    }
    try {
      result.slurm = await benchSlurm(context, samples, root);
    } catch (error) {
      result.slurmSkipped = missingPrograms(error);
      context.log(`slurm: skipped: ${result.slurmSkipped}`);
    }
  });
  result.loadAvgEnd = loadAverage();
  return result;
}
