/** What the soak's final phase needs to see and do. Plain functions, so the loop can be tried on its own. */
export interface FinalRunParts {
  /** Results the model has not been shown yet (a persisted task still running counts as missing). */
  missing(): number;
  /** Whether a persisted task still runs: -p never waits for one, it outlives every lanes. */
  persistRunning(): boolean;
  /** One `lanes -p --continue` that starts nothing; says how it ended, for the log. */
  runOnce(): Promise<string>;
  aborted(): boolean;
  log(line: string): void;
}

export interface FinalRunLimits {
  maxRuns: number;
  /** How long to wait for persisted tasks before a run (they sleep 4 s at most). */
  persistWaitMs: number;
  pollMs: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * `--continue` until every result came. A persisted task's result comes with the first lanes after it ended,
 * so each run starts once they ended; a run that then brings none means none is coming. Returns the runs made.
 */
export async function finalRuns(parts: FinalRunParts, limits: FinalRunLimits): Promise<number> {
  let runs = 0;
  for (let left = parts.missing(); left > 0 && runs < limits.maxRuns && !parts.aborted();) {
    const until = Date.now() + limits.persistWaitMs;
    while (parts.persistRunning() && Date.now() < until && !parts.aborted()) await sleep(limits.pollMs);
    const outcome = await parts.runOnce();
    runs++;
    const now = parts.missing();
    parts.log(`final run ${runs}: ${left} results were missing, now ${now}; ${outcome}`);
    if (now >= left) break;
    left = now;
  }
  return runs;
}
