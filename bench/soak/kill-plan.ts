import type { Random } from "./random.js";

export type KillKind = "none" | "SIGKILL" | "SIGTERM" | "SIGTERM+SIGKILL";

/** When a round's lanes is killed: `delayMs` after the model answered request `afterRequest` of it. */
export interface KillPlan {
  kind: KillKind;
  afterRequest: number;
  delayMs: number;
  /** For SIGTERM+SIGKILL: how long the shutdown gets before the KILL cuts it short. */
  cutMs: number;
}

/** Drawn from its own stream, so the kills depend on the seed alone, not on how the rounds went. */
export function planKill(random: Random): KillPlan {
  const roll = random.next();
  const kind: KillKind =
    roll < 0.2 ? "none" : roll < 0.5 ? "SIGKILL" : roll < 0.75 ? "SIGTERM" : "SIGTERM+SIGKILL";
  // Half the kills land within 80 ms of an answer: right where a spawn or a request is being written.
  const delayMs = random.next() < 0.5 ? random.int(0, 80) : random.int(80, 2500);
  return { kind, afterRequest: random.int(1, 3), delayMs, cutMs: random.int(30, 600) };
}
