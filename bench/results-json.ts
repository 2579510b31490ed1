import type { BenchResults } from "./report.js";

/** `bench/results.json`: the keys tools read, each beside its baseline. */
export function toJson(r: BenchResults): Record<string, unknown> {
  return {
    parallel_wall_ratio: r.parallel.background,
    parallel_wall_foreground_ratio: r.parallel.foreground,
    parallel_phases_ms: r.parallel.phases,
    completion_to_model_p50_ms: r.latency.p50Ms,
    completion_to_model_p99_ms: r.latency.p99Ms,
    completion_to_model_max_ms: r.latency.maxMs,
    completion_to_model_samples: r.latency.idleSamples,
    completion_to_model_legs_ms: r.latency.legs,
    completion_to_model_worst_ms: r.latency.worstMs,
    completion_to_model_other_running_ms: r.latency.withOtherRunning,
    plain_child_exit_seen_ms: r.latency.plainExitSeen,
    spawn_ratio: r.spawn.ratio,
    spawn_runs: r.spawn.runs,
    spawn_steps_median_ms: r.spawnSteps,
    output_1gib: {
      rss_growth_mb: r.flood.rssGrowthMb,
      throughput_ratio: r.flood.throughputRatio,
      ...{ size: r.flood.size, lanes_ms: r.flood.lanesMs, baseline_sh_ms: r.flood.baselineMs },
      ...{ rss_before_mb: r.flood.rssBeforeMb, status: r.flood.status, output_bytes: r.flood.outputBytes },
    },
    event_loop_p99_ms: r.eventLoop.p99Ms,
    event_loop_idle_p99_ms: r.eventLoop.idleP99Ms,
    event_loop_plain_floods_p99_ms: r.eventLoop.plainP99Ms,
    event_loop_start_burst_ms: r.eventLoop.startBurstMs,
    event_loop_rounds: { lanes: r.eventLoop.lanes, plain_floods: r.eventLoop.plain },
    chars_injected: r.flood.injected.chars,
    injected_text: r.flood.injected.text,
    long_session: r.longSession,
    session_save: r.sessionSave,
    sandbox_start_ms: r.sandboxStart,
    machine: r.machine,
    quick: r.quick,
    duration_s: r.durationS,
  };
}
