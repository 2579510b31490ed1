import type { RemoteBenchResult, RemoteLaneFigures } from "./remote-lanes.js";
import type { Row } from "./report.js";

const HOW =
  "LaneManager with createRemoteLanes over loopback (the tests' sshd and Slurm helpers), a 200-file workspace";

function laneRows(
  name: string,
  f: RemoteLaneFigures | undefined,
  skipped: string | undefined,
  load: string,
): Row[] {
  if (!f) return [{ figure: `Remote ${name} start (ms)`, measured: null, how: skipped ?? "not run" }];
  const connections =
    f.connectionsPerTask === undefined ? "" : `; ${f.connectionsPerTask} connections per task`;
  return [
    {
      figure: `Remote ${name} start, record → first output line here: median (ms)`,
      measured: f.startMedianMs,
      how: `${HOW}; \`echo up\` one at a time, ${f.samples} tasks: p90 ${f.startP90Ms} ms, the first task (host check) ${f.firstStartMs} ms, sync alone median ${f.syncMedianMs} ms${connections}; ${load}`,
    },
    {
      figure: `Remote ${name} output lag, host line → local log: median (ms)`,
      measured: f.lagMedianMs,
      how: `the host prints its clock every 200 ms (same machine, same clock), ${f.lagLines} lines: p90 ${f.lagP90Ms} ms; ${load}`,
    },
  ];
}

/** Issue 20: remote lanes (bench/remote-lanes.ts); none when this part has never run. */
export function remoteRows(r: RemoteBenchResult | undefined): Row[] {
  if (!r) return [];
  const load = `load average ${r.loadAvgStart.join(" / ")} → ${r.loadAvgEnd.join(" / ")}`;
  const shared = r.ssh;
  const unshared = r.sshUnshared;
  return [
    ...laneRows("SSH", shared, r.sshSkipped, load),
    ...(shared && unshared
      ? [
          {
            figure: "Remote SSH start, a connection per call / one shared connection",
            measured: Math.round((unshared.startMedianMs / shared.startMedianMs) * 100) / 100,
            how: `medians of the same run, tasks alternating between two lanes: ${unshared.startMedianMs} ms (${unshared.connectionsPerTask ?? "?"} connections per task) / ${shared.startMedianMs} ms (${shared.connectionsPerTask ?? "?"}); lag ${unshared.lagMedianMs} / ${shared.lagMedianMs} ms`,
          },
        ]
      : []),
    ...laneRows("Slurm", r.slurm, r.slurmSkipped, load),
  ];
}
