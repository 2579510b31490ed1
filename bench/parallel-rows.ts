import type { BwrapFloor } from "./bwrap-floor.js";
import type { ParallelResult } from "./parallel-wall.js";
import type { Row } from "./report.js";
import { round } from "./support.js";

// Issue 15's targets for the parallel wall; k=50 was 1.15, then 1.2 (50 × about 6 ms of bubblewrap's CPU
// over 2 cores, 0.075 of the 2 s). Where bubblewrap alone, started by node, is above one in the same run,
// the target is that floor plus the margin: lanes cannot start k sandboxed commands faster than bwrap starts.
const PARALLEL_TARGETS: Record<number, { limit: number; margin: number }> = {
  3: { limit: 1.05, margin: 0.05 },
  50: { limit: 1.2, margin: 0.1 },
};

function parallelTarget(
  k: number,
  floor: BwrapFloor | undefined,
): { limit: number; why: string } | undefined {
  const old = PARALLEL_TARGETS[k];
  if (!old) return undefined;
  if (!floor || floor.bwrap + old.margin <= old.limit) return { limit: old.limit, why: "" };
  const limit = round(floor.bwrap + old.margin, 3);
  const why = `; target ${old.limit} replaced by bubblewrap's own floor at k=${k} in this run (${floor.bwrap}, next row) + ${old.margin}`;
  return { limit, why };
}

function floorRow(floor: BwrapFloor): Row {
  return {
    figure: `Bubblewrap's floor / 2 s, ${floor.k} \`sleep 2\` (one shell starts bwrap; no lanes, no perl)`,
    measured: floor.bwrap,
    how: `one \`sh\` starts ${floor.k} \`bwrap <the arguments lanes' sandbox gives, default config> sh -c 'sleep 2'\` at once (the shared network not entered: that is the launcher's setns), the shell's spawn → the last one's exit; against ${floor.k} plain \`sh -c 'sleep 2'\` the same way: ${floor.plain}; medians of ${floor.rounds} alternating rounds`,
  };
}

/** The parallel-wall rows, each sandboxed k followed by bubblewrap's own floor at that k where measured. */
export function parallelRows(p: ParallelResult, how: (k: number) => string): Row[] {
  return [3, 10, 50].flatMap((k): Row[] => {
    const floor = p.floors?.[`k${k}`];
    const target = parallelTarget(k, floor);
    return [
      {
        figure: `Parallel wall / 2 s, ${k} background \`sleep 2\``,
        measured: p.background[`k${k}`] ?? null,
        target: target && { op: "<=", limit: target.limit },
        how: `${how(k)}${target?.why ?? ""}`,
      },
      ...(floor ? [floorRow(floor)] : []),
    ];
  });
}
