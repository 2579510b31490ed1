import type { Row } from "../report.js";
import type { SoakCounts } from "./counts.js";
import type { SoakBenchResult } from "./soak-bench.js";
import { COUNT_LABELS } from "./soak-table.js";

/** Issue 17: each count of the crash-and-restart soak, every one with target 0. */
export function soakRows(s: SoakBenchResult | undefined): Row[] {
  if (!s) return [];
  const kills = `${s.kills.SIGKILL} SIGKILL, ${s.kills.SIGTERM} SIGTERM, ${s.kills["SIGTERM+SIGKILL"]} SIGTERM cut short by SIGKILL`;
  const how = `bench/soak, seed ${s.seed}, ${s.durationS} s: ${s.rounds} rounds of \`lanes -p\` (dist/lanes.js, \`--continue\` after the first) in one workspace against the fake Messages API, ${s.started} tasks of 8 shapes started; ${kills}; then ${s.finalRuns} \`--continue\` runs without kills; ${s.listings} \`lanes tasks\` listings; ${s.hung} runs hung`;
  return (Object.keys(COUNT_LABELS) as (keyof SoakCounts)[]).map((key, index) => ({
    figure: `Soak: ${COUNT_LABELS[key]}`,
    measured: s.counts[key],
    target: { op: "<=", limit: 0 },
    how: index === 0 ? how : "same soak",
  }));
}
