import { afterEach, beforeEach } from "vitest";
import { LaneManager, type LaneManagerOptions } from "../../src/lanes/lane-manager.js";
import { tempWorkspace } from "./temp-workspace.js";

export interface LaneFixture {
  /** This test's workspace (a fresh temp dir). */
  readonly dir: string;
  /** A lane manager on the workspace with test-friendly timings; shut down after the test. */
  manager(options?: Partial<LaneManagerOptions>): LaneManager;
}

/** Registers a fresh workspace per test and shuts down every lane manager the test made, then cleans up. */
export function useLaneFixture(): LaneFixture {
  let ws: { dir: string; cleanup: () => void } | undefined;
  const managers: LaneManager[] = [];
  beforeEach(() => {
    ws = tempWorkspace();
  });
  afterEach(async () => {
    await Promise.all(managers.splice(0).map((m) => m.shutdown()));
    ws?.cleanup();
  });
  return {
    get dir() {
      if (!ws) throw new Error("the workspace exists only inside a test");
      return ws.dir;
    },
    manager(options = {}) {
      const m = new LaneManager({ workspace: this.dir, killGraceMs: 300, tickMs: 50, ...options });
      managers.push(m);
      return m;
    },
  };
}
