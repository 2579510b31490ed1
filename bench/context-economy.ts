import { createBackgroundHooks } from "../src/agent/background-hooks.js";
import type { LaneManager } from "../src/lanes/lane-manager.js";

export interface Injected {
  chars: number;
  /** The exact `<background-results>` block the loop would append before its next model call. */
  text: string;
}

/** Drains the manager the way the agent loop does before a model call and measures what it would inject. */
export function drainInjected(lanes: LaneManager): Injected {
  const hooks = createBackgroundHooks(lanes, { idleWake: false, maxWaitMs: 1_000, emit: () => {} });
  const text = hooks.beforeModelCall()?.text ?? "";
  return { chars: text.length, text };
}
