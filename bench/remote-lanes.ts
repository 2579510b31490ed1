/**
 * Remote lanes over loopback (a real sshd from tests/helpers): start latency (record written to the
 * command running there: sync + submit, first task of a lanes and later ones) and output lag (a line's
 * time on the host to its arrival in the local log). Standalone: `node bin/run-ts.js bench/remote-lanes.ts`.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LaneManager } from "../src/lanes/lane-manager.js";
import { createRemoteLanes } from "../src/remote/remote-lanes.js";
import { startSshd } from "../tests/helpers/sshd.js";
import { percentile, round } from "./support.js";

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const samples = process.argv.includes("--quick") ? 3 : 8;
const sshd = await startSshd();
const root = mkdtempSync(join(tmpdir(), "lanes-bench-remote-"));
const workspace = join(root, "ws");
mkdirSync(workspace);
for (let i = 0; i < 200; i++) writeFileSync(join(workspace, `file-${i}.txt`), "x".repeat(2_000));
try {
  const remote = createRemoteLanes({
    workspace,
    env: process.env,
    hidden: [],
    killGraceMs: 1_000,
    lanes: {
      box: {
        remote: {
          type: "ssh",
          host: "root@127.0.0.1",
          port: sshd.port,
          identity_file: sshd.identityFile,
          known_hosts_file: sshd.knownHostsFile,
          host_key_checking: "strict",
          dir: join(root, "remote"),
          time_limit: "00:10:00",
        },
      },
    },
  });
  const lanes = new LaneManager({ env: process.env, ownerPid: process.pid, workspace, remote, stallMs: 0 });
  const starts: number[] = [];
  const syncs: number[] = [];
  for (let i = 0; i < samples; i++) {
    const began = performance.now();
    const record = lanes.start({ command: "echo up", lane: "box" });
    while (!readFileSync(record.output_file, "utf8").includes("up")) await sleep(5);
    starts.push(performance.now() - began);
    const ended = await lanes.whenEnded(record.id);
    syncs.push(ended.remote?.sync_ms ?? 0);
  }
  // Lag: the host prints its clock (same machine, same clock) every 200 ms; lanes appends it locally.
  const lag = lanes.start({ command: "for i in $(seq 1 40); do date +%s%3N; sleep 0.2; done", lane: "box" });
  const lags: number[] = [];
  let seen = 0;
  for (;;) {
    const lines = readFileSync(lag.output_file, "utf8").split("\n").filter(Boolean);
    for (const line of lines.slice(seen)) lags.push(Date.now() - Number(line));
    seen = lines.length;
    if (lanes.get(lag.id)?.status !== "running" && seen >= 40) break;
    await sleep(5);
  }
  await lanes.shutdown();
  const ms = (values: number[]): string =>
    `median ${round(percentile(values, 50), 0)} ms, p90 ${round(percentile(values, 90), 0)} ms`;
  console.log(
    `remote start (record → first output there), ${samples} tasks, 200-file workspace: ${ms(starts)}`,
  );
  console.log(
    `  first task (check + sync + start): ${round(starts[0] ?? 0, 0)} ms; sync alone: ${ms(syncs)}`,
  );
  console.log(`output lag (host line → local log), ${lags.length} lines: ${ms(lags)}`);
} finally {
  sshd.stop();
  rmSync(root, { recursive: true, force: true });
}
