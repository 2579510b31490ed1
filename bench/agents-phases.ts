/* eslint-disable @typescript-eslint/no-explicit-any -- task records are loose JSON here */
import type { CapturedRequest } from "../tests/helpers/fake-anthropic-server.js";
import { requestsOf } from "../tests/helpers/agent-routes.js";
import { percentile, round } from "./support.js";

/**
 * Where a fan-out's wall goes, from the parent's agent_run reply (ms): each phase the median over its agents,
 * `lastStart` and `parentWake` once a round. An agent's requests are: its first turn, the reply to its
 * background_run (its first sandboxed command started), the wake by its sleep's result.
 */
export interface FanOutPhases {
  /** agent_run reply → the parent recorded the worker running (the spec, the slot, the spawn). */
  spawn: number;
  /** That → the worker's first request (node's start, the bundle, the session). */
  firstRequest: number;
  /** First request → second: the tool call, whose first sandboxed command starts the sleep. */
  firstCommand: number;
  /** Second → third: the sleep and the wake by its result. */
  sleepAndWake: number;
  /** agent_run reply → the last agent's third request (every sleep over, every agent awake). */
  lastWake: number;
  /** The last agent's last request → the parent's request after the last result (ends, exits, the wake). */
  parentWake: number;
}

export function fanOutPhases(requests: CapturedRequest[], records: any[], callAt: number): FanOutPhases {
  const per = records.map((record) => {
    const times = requestsOf(requests, record.description ?? "").map((r) => r.receivedAt);
    const started = Date.parse(record.started_at);
    return {
      spawn: started - callAt,
      firstRequest: (times[0] ?? NaN) - started,
      firstCommand: (times[1] ?? NaN) - (times[0] ?? NaN),
      sleepAndWake: (times[2] ?? NaN) - (times[1] ?? NaN),
      last: times.at(-1) ?? NaN,
      wake: times[2] ?? NaN,
    };
  });
  const mid = (pick: (p: (typeof per)[number]) => number): number => percentile(per.map(pick), 50);
  const parentLast = requestsOf(requests, "bench parent").at(-1)?.receivedAt ?? NaN;
  return {
    spawn: mid((p) => p.spawn),
    firstRequest: mid((p) => p.firstRequest),
    firstCommand: mid((p) => p.firstCommand),
    sleepAndWake: mid((p) => p.sleepAndWake),
    lastWake: Math.max(...per.map((p) => p.wake)) - callAt,
    parentWake: parentLast - Math.max(...per.map((p) => p.last)),
  };
}

/** Each phase's median over the rounds, rounded to the ms. */
export function medianPhases(rounds: FanOutPhases[]): FanOutPhases | undefined {
  const first = rounds[0];
  if (first === undefined) return undefined;
  const keys = Object.keys(first) as (keyof FanOutPhases)[];
  return Object.fromEntries(
    keys.map((key) => [
      key,
      round(
        percentile(
          rounds.map((r) => r[key]),
          50,
        ),
        0,
      ),
    ]),
  ) as unknown as FanOutPhases;
}
