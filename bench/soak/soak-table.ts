import type { SoakCounts } from "./counts.js";
import type { SoakResult } from "./run-soak.js";

export const COUNT_LABELS: Record<keyof SoakCounts, string> = {
  twice: "results delivered twice",
  lost: "results lost",
  wrongExit: "wrong exit codes",
  noRecord: "tasks without a record",
  orphans: "orphaned processes",
  staleListings: "stale `lanes tasks` listings",
};

/** The counts as a table, then the first offending tasks of each count with what happened. */
export function soakTable(result: SoakResult, perCount = 5): string {
  const { kills } = result;
  const lines = [
    `soak seed ${result.seed}: ${result.durationS} s, ${result.rounds} rounds + ${result.finalRuns} final runs, ${result.tasks} tasks asked (${result.started} started, ${result.neverRan} never ran), ${result.requests} requests, kills: ${kills.SIGKILL} SIGKILL, ${kills.SIGTERM} SIGTERM, ${kills["SIGTERM+SIGKILL"]} SIGTERM cut by SIGKILL; ${result.listings} listings; ${result.hung} hung`,
    "",
    "| count | value |",
    "| --- | ---: |",
    ...Object.entries(COUNT_LABELS).map(
      ([key, label]) => `| ${label} | ${result.counts[key as keyof SoakCounts]} |`,
    ),
  ];
  for (const key of Object.keys(COUNT_LABELS) as (keyof SoakCounts)[]) {
    const offenses = result.offenses.filter((o) => o.count === key);
    if (offenses.length === 0) continue;
    lines.push("", `${COUNT_LABELS[key]}:`);
    for (const o of offenses.slice(0, perCount))
      lines.push(`  ${o.tag} (${o.shape}, task ${o.id ?? "?"}): ${o.what}`);
    if (offenses.length > perCount) lines.push(`  … and ${offenses.length - perCount} more`);
  }
  return lines.join("\n");
}
